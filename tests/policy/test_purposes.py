"""The closed purpose vocabulary: codes, classes, selectability, loud validation."""

from __future__ import annotations

import re

import pytest
import yaml

from plateledger.errors import PlateledgerError, ValidationError
from plateledger.policy.data_file import PolicyDataError, read_packaged
from plateledger.policy.purposes import (
    PROHIBITED_CLASSES,
    PURPOSE_CLASSES,
    class_label,
    load_purposes,
    parse_purposes,
    purpose,
    purpose_names,
    selectable_purposes,
)

ISSUE_PROHIBITED = {
    "immigration_enforcement",
    "reproductive_health",
    "lawful_health_care",
    "gender_affirming_care",
    "first_amendment_activity",
    "protected_class_targeting",
    "personal_use",
    "warrantless_tracking",
}
ALLOWED_CLASSES = {"hotlist", "criminal", "person_safety", "emergency", "legal_process"}
ALLOWED_CLASSES |= {"administrative"}


def test_classes_match_the_issue() -> None:
    assert ISSUE_PROHIBITED <= PROHIBITED_CLASSES
    assert PROHIBITED_CLASSES - ISSUE_PROHIBITED == {"commercial_sale"}  # from the draft
    assert set(PURPOSE_CLASSES) == ALLOWED_CLASSES | PROHIBITED_CLASSES


def test_every_code_is_loaded_with_its_class() -> None:
    purposes = load_purposes()
    assert len(purposes) == 34
    assert purposes["stolen_vehicle"].purpose_class == "hotlist"
    assert purposes["stolen_vehicle"].ncic_file == "Vehicle File"
    assert purposes["amber_alert"].purpose_class == "person_safety"
    assert purposes["court_order_or_warrant"].purpose_class == "legal_process"
    assert (
        purposes["exigent_emergency"].note
        and "NOT an exigency" in purposes["exigent_emergency"].note
    )
    for code in PROHIBITED_CLASSES:  # one code per prohibited class, named like it
        assert purposes[code].purpose_class == code and not purposes[code].selectable
    assert purposes["immigration_enforcement"].ncic_file == "Immigration Violator File"
    assert all(p.label for p in purposes.values())


def test_selectable_purposes_are_exactly_the_non_prohibited_ones() -> None:
    selectable = selectable_purposes()
    assert {p.purpose_class for p in selectable} == ALLOWED_CLASSES
    assert all(p.selectable for p in selectable)
    assert len(selectable) == len(load_purposes()) - len(PROHIBITED_CLASSES)


def test_purpose_lookup() -> None:
    assert purpose("homicide").purpose_class == "criminal"
    with pytest.raises(ValidationError) as unknown:
        purpose("ice warrant")
    details = unknown.value.details
    assert isinstance(details, dict) and details["field"] == "purpose"
    assert "homicide" in details["valid"] and "immigration_enforcement" not in details["valid"]
    assert "unknown purpose code 'ice warrant'" in unknown.value.message
    assert "stolen_vehicle" in unknown.value.message
    with pytest.raises(ValidationError, match="prohibited purpose and can never be selected"):
        purpose("immigration_enforcement")


def test_names_and_labels() -> None:
    assert {"criminal", "stolen_vehicle", "immigration_enforcement"} <= purpose_names()
    assert class_label("person_safety") == "Missing, endangered or abducted person"


def _variant(mutate: object) -> str:
    doc = yaml.safe_load(read_packaged("purposes.yaml"))
    assert callable(mutate)
    mutate(doc)
    return yaml.safe_dump(doc, sort_keys=False)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["purposes"]["homicide"].update({"class": "crime"}),
            "purposes.yaml: purposes.homicide.class: unknown purpose class 'crime'",
        ),
        (
            lambda d: d["purposes"]["homicide"].update({"ncic": "x"}),
            "purposes.yaml: purposes.homicide.ncic: unknown key",
        ),
        (
            lambda d: d["purposes"]["homicide"].pop("label"),
            "purposes.yaml: purposes.homicide: missing required key 'label'",
        ),
        (
            lambda d: d["classes"]["personal_use"].update({"prohibited": False}),
            "purposes.yaml: classes.personal_use.prohibited: disagrees with PROHIBITED_CLASSES",
        ),
        (
            lambda d: d["classes"].pop("emergency"),
            "purposes.yaml: classes: missing purpose class 'emergency'",
        ),
        (
            lambda d: d["purposes"].pop("exigent_emergency"),
            "purposes.yaml: purposes: no purpose code of class 'emergency'",
        ),
        (
            lambda d: d.update({"schema_version": 2}),
            "purposes.yaml: schema_version: unsupported version 2",
        ),
    ],
)
def test_bad_purpose_files_fail_loudly(mutate: object, message: str) -> None:
    with pytest.raises(PolicyDataError, match=re.escape(message)):
        parse_purposes(_variant(mutate), "purposes.yaml")


def test_duplicate_codes_are_rejected() -> None:
    text = read_packaged("purposes.yaml") + "  homicide: {class: criminal, label: again}\n"
    with pytest.raises(PolicyDataError, match="duplicate key 'homicide'"):
        parse_purposes(text, "purposes.yaml")
    assert issubclass(PolicyDataError, PlateledgerError)
