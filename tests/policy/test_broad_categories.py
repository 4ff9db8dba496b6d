"""A reason that names only a broad category (a vendor's category picker: "Person Crime",
"Property Crime", "Financial Crime") names no offense, incident or case: it is vague. A category
with an offense or a cited section stays specific (issue #17, item 5)."""

from __future__ import annotations

import pytest

from plateledger.policy.classifier import classify


@pytest.mark.parametrize(
    "reason",
    ["Person Crime", "Property Crime", "PROPERTY CRIMES", "Financial Crime", "person crimes",
     "Violent Crime", "felony", "investigation"],
)  # fmt: skip
def test_broad_category_alone_is_vague(reason: str) -> None:
    c = classify(reason)
    assert (c.reason_class, c.action) == ("vague", "review")


@pytest.mark.parametrize(
    "reason",
    ["property crime - theft", "Person Crime / assault", "property crime investigation (459)",
     "financial crime: fraud"],
)  # fmt: skip
def test_broad_category_with_an_offense_is_specific(reason: str) -> None:
    assert classify(reason).reason_class == "specific"
