"""State-format re-ranking of constructed candidate sets (``recognize.rerank``)."""

from __future__ import annotations

import pytest

from plateledger.domain.plate_formats import formats_for
from plateledger.recognize.candidates import format_prior
from plateledger.recognize.rerank import (
    FLOOR,
    fit,
    format_mass,
    national_prior,
    rerank,
    state_distribution,
)


def test_national_prior_is_a_distribution_favouring_large_states() -> None:
    prior = national_prior()
    assert sum(prior.values()) == pytest.approx(1.0)
    assert prior["CA"] > prior["TX"] > prior["WY"] > 0


def test_fit_weights_documented_formats_above_legacy_ones() -> None:
    assert fit("CA", "7ABC123") == 1.0  # DLLLDDD, high
    assert 0 < fit("CA", "123ABC") < 1.0  # DDDLLL, low
    assert fit("CA", "ABCD") == 0.0


def test_named_state_moves_its_format_to_the_top() -> None:
    # Illinois named on the plate: the flat prior (1.0 for IL's format, 0.9 for any other
    # state's) still leaves the Texas-like reading first; the re-ranker does not.
    il = formats_for("IL")
    ranked = [
        ("ABC1234", 0.80 * format_prior("ABC1234", il), (0.8,) * 7),
        ("AB12345", 0.70 * format_prior("AB12345", il), (0.7,) * 7),
    ]
    assert ranked[0][1] > ranked[1][1]
    out = rerank(ranked, "IL", state_distribution("IL"))
    assert [t for t, _, _ in out] == ["AB12345", "ABC1234"]
    # each candidate keeps its own per-character confidences
    assert dict((t, c) for t, _, c in out)["AB12345"] == (0.7,) * 7


def test_state_head_distribution_decides_between_formats() -> None:
    # Illinois LLDDDDD vs Texas-like LLLDDDD readings of the same plate.
    ranked = [("ABC1234", 0.70, (0.7,) * 7), ("AB12345", 0.69, (0.7,) * 7)]
    toward_il = rerank(ranked, None, state_distribution(None, [("IL", 0.95), ("TX", 0.05)]))
    assert toward_il[0][0] == "AB12345"
    toward_tx = rerank(ranked, None, state_distribution(None, [("TX", 0.95), ("IL", 0.05)]))
    assert toward_tx[0][0] == "ABC1234"


def test_confident_vanity_plate_keeps_its_place() -> None:
    ranked = [("GOBEARS", 0.95, (0.95,) * 7), ("G0BEAR5", 0.40, (0.4,) * 7)]
    out = rerank(ranked, None, state_distribution(None))
    assert out[0][0] == "GOBEARS"
    assert format_mass("GOBEARS", state_distribution(None)) < 0.01
    # a rare fit at most: the prior stays near the floor (0.7), the confidence on its scale
    assert FLOOR * 0.95 <= out[0][1] <= 0.95 / FLOOR


def test_confidence_stays_on_the_flat_prior_scale() -> None:
    # The best-fitting candidate's prior is 1, as the flat prior gave any fitting text.
    text, conf = "7ABC123", 0.5
    ranked = [(text, conf * format_prior(text, ()), (0.5,) * 7)]
    out = rerank(ranked, None, state_distribution("CA"))
    assert out[0][1] == pytest.approx(conf)


def test_empty_candidates_stay_empty() -> None:
    assert rerank([], "CA", state_distribution("CA")) == []
