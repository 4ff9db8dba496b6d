"""A missing optional extra fails with an install hint, not an ImportError traceback."""

from __future__ import annotations

import pytest

from plateledger.recognize._deps import INSTALL_HINT, RecognitionUnavailable, require


def test_missing_module_names_the_extra() -> None:
    with pytest.raises(RecognitionUnavailable, match=r"plateledger\[recognize\]") as info:
        require("plateledger_no_such_module")
    assert INSTALL_HINT in info.value.message
    assert info.value.code == "recognize_extra_missing"
