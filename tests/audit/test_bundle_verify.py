"""Offline bundle verification: golden bundles, tampered bundles, forks, Hypothesis properties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import make_vectors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plateledger.audit.bundle_verify import (
    ConsistencyProof,
    InclusionProof,
    _Tree,
    compare_checkpoints,
    verify_bundle,
)
from plateledger.audit.checkpoint import Checkpoint, Signer, Verifier, open_note
from plateledger.audit.merkle import (
    EMPTY_ROOT,
    VerificationError,
    consistency_proof,
    inclusion_proof,
)

VECTORS = Path(__file__).parent / "vectors"
TAMPERED = json.loads((VECTORS / "tampered.json").read_text("utf-8"))
Args = tuple[list[bytes], list[str], list[InclusionProof], list[ConsistencyProof], str]


def unhex(hashes: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hashes]


def bundle_args(bundle: dict[str, Any]) -> Args:
    """The JSON vector bundle as verify_bundle arguments."""
    return (
        unhex(bundle["entries"]),
        bundle["checkpoints"],
        [
            InclusionProof(p["index"], p["tree_size"], unhex(p["hashes"]))
            for p in bundle["inclusion"]
        ],
        [
            ConsistencyProof(p["old_size"], p["new_size"], unhex(p["hashes"]))
            for p in bundle["consistency"]
        ],
        bundle["vkey"],
    )


def honest() -> Args:
    return bundle_args(json.loads((VECTORS / "bundle.json").read_text("utf-8")))


def make_args(entries: list[bytes], sizes: tuple[int, ...]) -> Args:
    return bundle_args(make_vectors.make_bundle(entries, sizes))


def test_honest_bundle_verifies() -> None:
    report = verify_bundle(*honest())
    assert (report.entries, report.tree_size) == (20, 20)
    assert [cp.size for cp in report.checkpoints] == [7, 13, 20]
    assert (report.inclusion_proofs, report.consistency_proofs) == (27, 2)
    assert report.root.hex() == json.loads((VECTORS / "tree.json").read_text())["roots"][20]
    assert report.origin == make_vectors.ORIGIN


@pytest.mark.parametrize("case", TAMPERED["bundles"], ids=lambda c: str(c["name"]))
def test_tampered_bundle_fails_naming_the_first_failure(case: dict[str, Any]) -> None:
    with pytest.raises(VerificationError) as caught:
        verify_bundle(*bundle_args(case["bundle"]))
    assert caught.value.what == case["what"]
    assert case["reason"] in caught.value.reason


def test_flipped_entry_reports_signed_and_computed_roots() -> None:
    case = {c["name"]: c for c in TAMPERED["bundles"]}["flipped_bit_in_entry_5"]
    args = bundle_args(case["bundle"])
    with pytest.raises(VerificationError) as caught:
        verify_bundle(*args)
    signed = open_note(args[1][0], Verifier.from_vkey(args[4]))
    assert caught.value.expected == signed.root
    assert caught.value.computed not in (None, signed.root)


@pytest.mark.parametrize("case", TAMPERED["forks"], ids=lambda c: str(c["name"]))
def test_fork_shown_to_two_clients(case: dict[str, Any]) -> None:
    verifier = Verifier.from_vkey(make_vectors.LOG.public_key_line())
    a, b = open_note(case["note_a"], verifier), open_note(case["note_b"], verifier)
    if case["reason"] is None:
        compare_checkpoints(a, b, unhex(case["proof"]))
        compare_checkpoints(b, a, unhex(case["proof"]))
        return
    with pytest.raises(VerificationError) as caught:
        compare_checkpoints(a, b, unhex(case["proof"]))
    assert "fork" in caught.value.reason


def test_unsorted_proofs_and_duplicate_checkpoints_are_accepted() -> None:
    entries, checkpoints, inclusion, consistency, vkey = honest()
    report = verify_bundle(
        entries, [checkpoints[0], *checkpoints], inclusion[::-1], consistency, vkey
    )
    assert len(report.checkpoints) == 4


def test_structural_errors() -> None:
    entries, checkpoints, inclusion, consistency, vkey = honest()
    with pytest.raises(VerificationError, match="no checkpoint"):
        verify_bundle(entries, [], inclusion, consistency, vkey)
    with pytest.raises(VerificationError, match="public key line"):
        verify_bundle(entries, checkpoints, inclusion, consistency, "nonsense")
    with pytest.raises(VerificationError, match="goes back"):
        verify_bundle(entries, checkpoints[::-1], inclusion, [], vkey)
    stray = ConsistencyProof(5, 13, [])
    with pytest.raises(VerificationError, match="does not connect two checkpoints"):
        verify_bundle(entries, checkpoints, inclusion, [*consistency, stray], vkey)
    odd_size = InclusionProof(0, 12, inclusion[0].hashes)
    with pytest.raises(VerificationError, match="no checkpoint of that tree size"):
        verify_bundle(entries, checkpoints, [odd_size], consistency, vkey)


def test_other_origin_is_rejected() -> None:
    entries, checkpoints, _, consistency, vkey = honest()
    other = Checkpoint(
        "other.example/log", 20, open_note(checkpoints[2], Verifier.from_vkey(vkey)).root
    )
    note = make_vectors.LOG.sign(other)
    with pytest.raises(VerificationError, match="origin"):
        verify_bundle(entries, [*checkpoints[:2], note], [], consistency, vkey)


def test_empty_log_checkpoint() -> None:
    signer = Signer.generate("log.example/empty")
    note = signer.sign(Checkpoint("log.example/empty", 0, EMPTY_ROOT))
    assert verify_bundle([], [note], [], [], signer.public_key_line()).tree_size == 0


# -- properties ---------------------------------------------------------------------------------


def entries_of(n: int) -> list[bytes]:
    return [make_vectors.entry(i) for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(min_value=1, max_value=70))
def test_fast_proof_check_equals_rfc_proof(data: st.DataObject, n: int) -> None:
    entries = entries_of(n)
    tree = _Tree(entries)
    size = data.draw(st.integers(min_value=1, max_value=n))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = inclusion_proof(index, size, tree.node)
    assert tree.proof_matches(index, size, proof)
    if proof:
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        assert not tree.proof_matches(index, size, [*proof[:which], bytes(32), *proof[which + 1 :]])
        assert not tree.proof_matches(index, size, proof[:-1])
    assert not tree.proof_matches(index, size, [*proof, bytes(32)])


def _flip(value: bytes, bit: int) -> bytes:
    raw = bytearray(value)
    raw[bit // 8 % len(raw)] ^= 1 << (bit % 8)
    return bytes(raw)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(min_value=2, max_value=40))
def test_any_bit_flip_in_any_entry_is_detected(data: st.DataObject, n: int) -> None:
    first = data.draw(st.integers(min_value=1, max_value=n - 1))
    entries, checkpoints, inclusion, consistency, vkey = make_args(entries_of(n), (first, n))
    verify_bundle(entries, checkpoints, inclusion, consistency, vkey)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    bit = data.draw(st.integers(min_value=0, max_value=8 * len(entries[i]) - 1))
    entries[i] = _flip(entries[i], bit)
    with pytest.raises(VerificationError) as caught:
        verify_bundle(entries, checkpoints, inclusion, consistency, vkey)
    assert caught.value.what.startswith(f"inclusion proof of entry {i} ")


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(min_value=3, max_value=40))
def test_any_bit_flip_in_any_proof_hash_is_detected(data: st.DataObject, n: int) -> None:
    first = data.draw(st.integers(min_value=1, max_value=n - 1))
    entries, checkpoints, inclusion, consistency, vkey = make_args(entries_of(n), (first, n))
    hashes = [(k, j) for k, p in enumerate(inclusion) for j in range(len(p.hashes))]
    hashes += [(-1, j) for j in range(len(consistency[0].hashes))]
    k, j = data.draw(st.sampled_from(hashes))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    target = consistency[0] if k < 0 else inclusion[k]
    target.hashes[j] = _flip(target.hashes[j], bit)  # type: ignore[index]
    with pytest.raises(VerificationError):
        verify_bundle(entries, checkpoints, inclusion, consistency, vkey)


def test_consistency_proofs_of_the_bundle_match_generation() -> None:
    entries, _, _, consistency, _ = honest()
    tree = _Tree(entries)
    for proof in consistency:
        assert list(proof.hashes) == consistency_proof(proof.old_size, proof.new_size, tree.node)
