"""The plate-tuned line recogniser ships, is the default, and reads like the stock one does."""

from __future__ import annotations

import pytest
from recognize_synth import needs_extra, render_scene, to_bgr

from plateledger.recognize.base import Detection

pytestmark = needs_extra


def test_plate_recogniser_ships_with_plate_vocabulary_and_held_out_accuracy() -> None:
    import onnxruntime as ort

    from plateledger.recognize import ocr

    assert ocr.plate_rec_available()
    with ocr.resources.as_file(
        ocr.resources.files("plateledger.recognize").joinpath("models", ocr.PLATE_REC_FILE)
    ) as path:
        meta = ort.InferenceSession(str(path)).get_modelmeta().custom_metadata_map
    chars = meta["character"].splitlines()
    assert set("ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789") <= set(chars) and len(chars) < 60
    # the training run recorded a held-out gain over the stock recogniser
    assert float(meta["val_line_acc"]) > float(meta["val_line_acc_stock"])


@pytest.mark.parametrize("rec", ["plate", "stock"])
def test_both_recognisers_read_a_synthetic_plate(rec: str) -> None:
    from plateledger.recognize.ocr import RapidOcrReader

    reader = RapidOcrReader(threads=1, rec=rec)
    image, box = render_scene("8KRV425", "Texas", seed=5)
    plate = reader.read(to_bgr(image), Detection(box, 0.9))
    assert plate is not None and plate.text == "8KRV425"
    assert len(reader._vocab) < 100 if rec == "plate" else len(reader._vocab) > 1000


def test_unknown_recogniser_file_is_refused_naming_it() -> None:
    from plateledger.errors import ValidationError
    from plateledger.recognize.ocr import RapidOcrReader

    with pytest.raises(ValidationError, match="nope.onnx': no such file"):
        RapidOcrReader(threads=1, rec="/nonexistent/nope.onnx")
