"""C2SP tlog-cosignature v1 (Ed25519): the spec's key id, message and line layout, round trips,
and every way a cosignature can be forged, moved, renamed or stripped."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from plateledger.audit.checkpoint import Checkpoint, Signer, open_note
from plateledger.audit.cosignature import (
    CosignerKey,
    WitnessSigner,
    add_cosignatures,
    cosign,
    cosigned_message,
    cosigner_key_id,
    parse_cosignature,
    verify_cosignature,
    verify_witnessed,
)
from plateledger.audit.merkle import VerificationError

ORIGIN = "example.com/behind-the-sofa"
ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
T = 1679315147
LOG = Signer.from_seed(ORIGIN, b"\x01" * 32)
WIT = WitnessSigner.from_seed("witness.example.com/w1", b"\x02" * 32)


def _note(size: int = 20852163, root: bytes = ROOT, signer: Signer = LOG) -> str:
    return signer.sign(Checkpoint(ORIGIN, size, root))


def _cosigned(note: str | None = None, witness: WitnessSigner = WIT, t: int = T) -> str:
    note = note or _note()
    return add_cosignatures(note, [cosign(note, witness, t)])


def _raw(line: str) -> bytes:
    return base64.b64decode(line.rsplit(" ", 1)[1])


def _line(name: str, raw: bytes) -> str:
    return f"\u2014 {name} {base64.b64encode(raw).decode()}"


# --- the spec -------------------------------------------------------------------------------
def test_key_id_and_vkey_follow_the_spec() -> None:
    public = WIT.public_key
    want = hashlib.sha256(b"witness.example.com/w1\n\x04" + public).digest()[:4]
    assert cosigner_key_id(WIT.name, public) == want == WIT.key_id
    name, hex_id, encoded = WIT.vkey().split("+", 2)
    assert (name, hex_id) == (WIT.name, want.hex())
    assert base64.b64decode(encoded) == b"\x04" + public
    assert CosignerKey.from_vkey(WIT.vkey()) == WIT.verifier()
    # the log's own key type (0x01) gives another id for the same name and key
    assert want != hashlib.sha256(b"witness.example.com/w1\n\x01" + public).digest()[:4]


def test_signed_message_and_signature_layout() -> None:
    note = _note()
    line = cosign(note, WIT, T)
    assert line.startswith("\u2014 witness.example.com/w1 ")
    raw = _raw(line)
    assert len(raw) == 4 + 8 + 64
    assert raw[:4] == WIT.key_id
    assert int.from_bytes(raw[4:12], "big") == T
    message = (
        b"cosignature/v1\ntime 1679315147\n"
        b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )
    assert cosigned_message(Checkpoint(ORIGIN, 20852163, ROOT).body(), T) == message
    Ed25519PublicKey.from_public_bytes(WIT.public_key).verify(raw[12:], message)  # no raise


def test_the_spec_example_line_parses() -> None:
    """The cosignature in C2SP's example: key id 8d66cf3f, time 1679315147 (the spec's)."""
    line = (
        "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZC"
        "B9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="
    )
    parsed = parse_cosignature(line)
    assert (parsed.name, parsed.key_id.hex(), parsed.timestamp) == (
        "witness.example.com/w1", "8d66cf3f", 1679315147,
    )  # fmt: skip


def test_time_zero_and_extension_lines_are_signed() -> None:
    checkpoint = Checkpoint(ORIGIN, 5, ROOT, ("ext line",))
    assert cosigned_message(checkpoint.body(), 0).startswith(b"cosignature/v1\ntime 0\n")
    note = LOG.sign(checkpoint)
    assert verify_cosignature(_cosigned(note, t=0), WIT.vkey()) == 0
    moved = _cosigned(note).replace("ext line\n", "ext line!\n")  # the log line breaks too
    with pytest.raises(VerificationError, match="bad signature"):
        verify_cosignature(moved, WIT.verifier())


# --- round trips ----------------------------------------------------------------------------
def test_round_trip_and_the_log_verifier_ignores_cosignatures() -> None:
    note = _cosigned()
    assert verify_cosignature(note, WIT.verifier()) == T
    checkpoint, when = verify_witnessed(note, LOG.public_key_line(), WIT.vkey())
    assert (checkpoint.size, checkpoint.root, when) == (20852163, ROOT, T)
    assert open_note(note, LOG.verifier()).size == 20852163  # C2SP: unknown lines ignored


def test_several_witnesses_and_dedup() -> None:
    other = WitnessSigner.generate("board.example/w2")
    note = _note()
    lines = [cosign(note, WIT, T), cosign(note, other, T + 5)]
    both = add_cosignatures(note, lines)
    assert add_cosignatures(both, lines) == both
    assert add_cosignatures(both, [lines[0] + "\n"]) == both
    assert both.count("\u2014 ") == 3
    assert verify_cosignature(both, other.verifier()) == T + 5
    assert verify_cosignature(both, WIT.verifier()) == T
    later = add_cosignatures(both, [cosign(note, WIT, T + 60)])
    assert verify_cosignature(later, WIT.verifier()) == T + 60  # the latest statement


def test_key_file_round_trip_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "witness.key"
    WIT.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert WitnessSigner.load(path).vkey() == WIT.vkey()
    assert path.read_text().startswith("PRIVATE+KEY+witness.example.com/w1+")
    LOG.save(tmp_path / "log.key")  # a log signing key (type 0x01) is not a witness key
    with pytest.raises(ValueError, match="0x04"):
        WitnessSigner.load(tmp_path / "log.key")


# --- attacks --------------------------------------------------------------------------------
def test_missing_cosignature() -> None:
    with pytest.raises(VerificationError, match="missing"):
        verify_cosignature(_note(), WIT.verifier())
    other = WitnessSigner.generate("board.example/w2")
    with pytest.raises(VerificationError, match="missing"):
        verify_cosignature(_cosigned(witness=other), WIT.verifier())


def test_flipped_bits_anywhere_fail() -> None:
    note = _note()
    raw = _raw(cosign(note, WIT, T))
    for i in (4, 11, 12, 40, 75):  # timestamp, signature
        bad = bytearray(raw)
        bad[i] ^= 1
        with pytest.raises(VerificationError, match="bad signature"):
            verify_cosignature(add_cosignatures(note, [_line(WIT.name, bytes(bad))]), WIT.vkey())


def test_cosignature_moved_to_another_checkpoint_fails() -> None:
    line = cosign(_note(size=10), WIT, T)
    target = _note(size=11)
    with pytest.raises(VerificationError, match="bad signature"):
        verify_cosignature(add_cosignatures(target, [line]), WIT.verifier())
    forked = _note(size=10, root=bytes(32))
    with pytest.raises(VerificationError, match="bad signature"):
        verify_cosignature(add_cosignatures(forked, [line]), WIT.verifier())


def test_another_key_under_the_witness_name_is_named() -> None:
    impostor = WitnessSigner.generate(WIT.name)
    with pytest.raises(VerificationError, match="another key") as info:
        verify_cosignature(_cosigned(witness=impostor), WIT.verifier())
    assert impostor.key_id.hex() in info.value.message


def test_renamed_cosignature_fails() -> None:
    """A real cosignature by another witness relabelled with the trusted name (keeping or
    recomputing the key id) is never accepted."""
    other = WitnessSigner.generate("board.example/w2")
    note = _note()
    raw = _raw(cosign(note, other, T))
    relabelled = add_cosignatures(note, [_line(WIT.name, raw)])
    with pytest.raises(VerificationError, match="another key"):
        verify_cosignature(relabelled, WIT.verifier())
    with_id = add_cosignatures(note, [_line(WIT.name, WIT.key_id + raw[4:])])
    with pytest.raises(VerificationError, match="bad signature"):
        verify_cosignature(with_id, WIT.verifier())


def test_log_signature_still_required() -> None:
    forger = Signer.generate(ORIGIN)
    note = _cosigned(_note(signer=forger))  # a real witness fooled into cosigning a forgery
    assert verify_cosignature(note, WIT.verifier()) == T
    with pytest.raises(VerificationError, match="re-signed"):
        verify_witnessed(note, LOG.public_key_line(), WIT.vkey())


def test_malformed_lines_and_keys_refused() -> None:
    note = _note()
    for line in ("— witness.example.com/w1 AAAA", "witness.example.com/w1 " + "A" * 100,
                 _line("a b", b"\0" * 76), _line(WIT.name, b"\0" * 75)):  # fmt: skip
        with pytest.raises(VerificationError, match="bad format"):
            add_cosignatures(note, [line])
    with pytest.raises(VerificationError, match="type 0x04"):
        CosignerKey.from_vkey(LOG.public_key_line())
    name, _, rest = WIT.vkey().partition("+")
    with pytest.raises(VerificationError, match="key id"):
        CosignerKey.from_vkey(f"board.example/w2+{rest}")  # renamed vkey: id no longer fits
    with pytest.raises(VerificationError):
        cosign("not a checkpoint\n", WIT, T)
    huge = _line(WIT.name, (1 << 63).to_bytes(8, "big").rjust(12, b"\0") + b"\0" * 64)
    with pytest.raises(VerificationError, match="2\\^63"):
        parse_cosignature(huge)


def test_future_timestamp_refused_when_asked() -> None:
    note = _cosigned(t=T + 3600)
    assert verify_cosignature(note, WIT.verifier()) == T + 3600
    with pytest.raises(VerificationError, match="future"):
        verify_cosignature(note, WIT.verifier(), not_after=T)
