"""Signed checkpoints: C2SP signed-note and tlog-checkpoint formats, keys, tampered notes."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plateledger.audit.checkpoint import (
    Checkpoint,
    Signer,
    Verifier,
    key_id,
    open_note,
    split_note,
    verify_note,
)
from plateledger.audit.merkle import VerificationError

VECTORS = json.loads((Path(__file__).parent / "vectors" / "checkpoints.json").read_text("utf-8"))

# Known answers published with golang.org/x/mod/sumdb/note (package documentation) and in the
# C2SP signed-note specification: an independent implementation of the same wire format.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIG = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = (
    "This is an example message.\n\n\u2014 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
ROOT = bytes(range(32))


def test_go_sumdb_note_known_answer(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(GO_SKEY + "\n")
    signer = Signer.load(tmp_path / "key")
    assert signer.public_key_line() == GO_VKEY
    assert signer.key_id.hex() == "c74f20a3"
    assert signer.sign_text(GO_TEXT) == f"{GO_TEXT}\n\u2014 PeterNeumann {GO_SIG}\n"
    assert verify_note(signer.sign_text(GO_TEXT), Verifier.from_vkey(GO_VKEY), "note") == GO_TEXT


def test_c2sp_spec_example_verifies() -> None:
    verifier = Verifier.from_vkey(C2SP_VKEY)
    assert verifier.vkey() == C2SP_VKEY
    assert verify_note(C2SP_NOTE, verifier, "note") == "This is an example message.\n"


def test_key_file_round_trip_with_mode_0600(tmp_path: Path) -> None:
    signer = Signer.generate("log.example/a")
    path = tmp_path / "audit.key"
    signer.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith(f"PRIVATE+KEY+log.example/a+{signer.key_id.hex()}+")
    loaded = Signer.load(path)
    assert loaded.public_key == signer.public_key and loaded.name == signer.name
    assert not (tmp_path / "audit.key.tmp").exists()


def test_key_file_with_wrong_key_id_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(GO_SKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(ValueError, match="does not match"):
        Signer.load(tmp_path / "key")


def test_public_key_line_and_key_id() -> None:
    signer = Signer.generate("log.example/a")
    name, hex_id, encoded = signer.public_key_line().split("+", 2)
    raw = base64.b64decode(encoded)
    assert (name, raw[0], raw[1:]) == ("log.example/a", 1, signer.public_key)
    assert bytes.fromhex(hex_id) == key_id(name, signer.public_key)
    assert Verifier.from_vkey(signer.public_key_line()) == signer.verifier()


@pytest.mark.parametrize(
    "line",
    [
        "no-plus-signs",
        "name+zzzzzzzz+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "example.com/foo+530d903a+AkyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "example.com/foo+530d903a+not base64",
    ],
)
def test_bad_public_key_lines(line: str) -> None:
    with pytest.raises(VerificationError) as caught:
        Verifier.from_vkey(line)
    assert caught.value.what == "public key line"


def test_checkpoint_body_is_tlog_checkpoint() -> None:
    cp = Checkpoint("log.example/a", 20852163, ROOT, ("ext one",))
    assert cp.body() == f"log.example/a\n20852163\n{base64.b64encode(ROOT).decode()}\next one\n"
    assert Checkpoint.from_body(cp.body()) == cp
    signer = Signer.generate("log.example/a")
    assert open_note(signer.sign(cp), signer.verifier(), origin="log.example/a") == cp


@pytest.mark.parametrize(
    ("origin", "size", "root"), [("", 1, ROOT), ("a\nb", 1, ROOT), ("a", -1, ROOT), ("a", 1, b"")]
)
def test_invalid_checkpoints(origin: str, size: int, root: bytes) -> None:
    with pytest.raises(ValueError):
        Checkpoint(origin, size, root)


def test_invalid_key_names() -> None:
    for name in ("", "has space", "has+plus"):
        with pytest.raises(ValueError):
            Signer.generate(name)


def test_honest_vector_notes_open() -> None:
    verifier = Verifier.from_vkey(VECTORS["vkey"])
    signer = Signer.from_seed(VECTORS["origin"], bytes.fromhex(VECTORS["log_key_seed"]))
    assert signer.public_key_line() == VECTORS["vkey"]
    for size, note in VECTORS["notes"].items():
        cp = open_note(note, verifier, origin=VECTORS["origin"])
        assert cp.size == int(size)
        assert signer.sign(cp) == note  # Ed25519 is deterministic
    cosigned = open_note(VECTORS["cosigned_note"], verifier)  # a stranger's extra signature
    assert cosigned == open_note(VECTORS["notes"]["7"], verifier)
    assert len(split_note(VECTORS["cosigned_note"])[1]) == 2


@pytest.mark.parametrize("case", VECTORS["bad_notes"], ids=lambda c: str(c["name"]))
def test_bad_vector_notes_fail(case: dict[str, Any]) -> None:
    with pytest.raises(VerificationError) as caught:
        open_note(case["note"], Verifier.from_vkey(VECTORS["vkey"]), what="checkpoint #3")
    assert caught.value.what == "checkpoint #3"
    assert case["reason"] in caught.value.reason


def test_resigned_note_names_both_key_ids() -> None:
    case = {c["name"]: c for c in VECTORS["bad_notes"]}["resigned_with_another_key"]
    verifier = Verifier.from_vkey(VECTORS["vkey"])
    with pytest.raises(VerificationError) as caught:
        open_note(case["note"], verifier)
    attacker = Verifier.from_vkey(VECTORS["attacker_vkey"])
    assert (caught.value.expected, caught.value.computed) == (verifier.key_id, attacker.key_id)


def test_wrong_origin_and_bad_trusted_signature() -> None:
    signer = Signer.generate("log.example/a")
    note = signer.sign(Checkpoint("log.example/a", 3, ROOT))
    with pytest.raises(VerificationError, match="origin"):
        open_note(note, signer.verifier(), origin="log.example/b")
    bad_signature = base64.b64encode(signer.key_id + bytes(64)).decode()
    forged_second = f"{note}\u2014 log.example/a {bad_signature}\n"
    with pytest.raises(VerificationError, match="bad signature"):
        open_note(forged_second, signer.verifier())


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_bit_flip_in_a_note_is_detected(data: st.DataObject) -> None:
    note = VECTORS["notes"]["13"]
    raw = bytearray(note.encode())
    position = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    raw[position] ^= 1 << bit
    try:
        tampered = raw.decode()
    except UnicodeDecodeError:  # a broken em dash is not even text
        return
    with pytest.raises(VerificationError):
        open_note(tampered, Verifier.from_vkey(VECTORS["vkey"]))
