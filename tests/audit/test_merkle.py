"""RFC 6962 Merkle core: golden vectors, a naive independent implementation, Hypothesis."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import make_vectors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plateledger.audit.merkle import (
    EMPTY_ROOT,
    VerificationError,
    build_levels,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)
from plateledger.errors import PlateledgerError

VECTORS = Path(__file__).parent / "vectors"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


# -- an independent, literal transcription of RFC 6962 §2.1 (recursive, over entries) -----------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(d: list[bytes]) -> bytes:
    if not d:
        return _sha(b"")
    if len(d) == 1:
        return _sha(b"\x00" + d[0])
    k = _k(len(d))
    return _sha(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:]))


def naive_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*naive_path(m, d[:k]), naive_mth(d[k:])]
    return [*naive_path(m - k, d[k:]), naive_mth(d[:k])]


def naive_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [naive_mth(d)]
    k = _k(n)
    if m <= k:
        return [*naive_subproof(m, d[:k], b), naive_mth(d[k:])]
    return [*naive_subproof(m - k, d[k:], False), naive_mth(d[:k])]


def naive_proof(m: int, d: list[bytes]) -> list[bytes]:
    return [] if m in (0, len(d)) else naive_subproof(m, d, True)


def entries_of(n: int) -> list[bytes]:
    return [b"entry %d" % i for i in range(n)]


def getter(entries: list[bytes]) -> make_vectors.GetNode:
    levels = build_levels(b"".join(leaf_hash(e) for e in entries))
    return lambda level, i: levels[level][i * 32 : (i + 1) * 32]


# -- external reference: transparency-dev/merkle testonly (LeafInputs / RootHashes) ------------

REFERENCE_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                    "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
REFERENCE_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


@pytest.mark.parametrize("n", range(9))
def test_reference_roots_of_transparency_dev(n: int) -> None:
    leaves = [bytes.fromhex(x) for x in REFERENCE_LEAVES[:n]]
    assert root_from_leaf_hashes([leaf_hash(x) for x in leaves]).hex() == REFERENCE_ROOTS[n]
    assert naive_mth(leaves).hex() == REFERENCE_ROOTS[n]


# -- golden vectors -----------------------------------------------------------------------------


def test_vector_files_are_current() -> None:
    for name, content in make_vectors.build_all().items():
        text = (VECTORS / name).read_text(encoding="utf-8")
        assert text == make_vectors.render(content), f"{name} is stale: run make_vectors.py"


def test_tree_vectors_match_naive_rfc6962() -> None:
    tree = load("tree.json")
    entries = [bytes.fromhex(e) for e in tree["entries"]]
    assert tree["leaf_hashes"] == [_sha(b"\x00" + e).hex() for e in entries]
    for n, expected in enumerate(tree["roots"]):
        assert naive_mth(entries[:n]).hex() == expected
        assert root_from_leaf_hashes([leaf_hash(e) for e in entries[:n]]).hex() == expected
    assert tree["roots"][0] == EMPTY_ROOT.hex()


def test_inclusion_vectors_match_naive_and_verify() -> None:
    tree = load("tree.json")
    entries = [bytes.fromhex(e) for e in tree["entries"]]
    for case in load("inclusion.json"):
        i, n, proof = case["index"], case["size"], [bytes.fromhex(h) for h in case["proof"]]
        assert proof == naive_path(i, entries[:n])
        verify_inclusion(leaf_hash(entries[i]), i, n, proof, bytes.fromhex(tree["roots"][n]))


def test_consistency_vectors_match_naive_and_verify() -> None:
    tree = load("tree.json")
    entries = [bytes.fromhex(e) for e in tree["entries"]]
    roots = [bytes.fromhex(r) for r in tree["roots"]]
    for case in load("consistency.json"):
        m, n, proof = case["old"], case["new"], [bytes.fromhex(h) for h in case["proof"]]
        assert proof == naive_proof(m, entries[:n])
        verify_consistency(m, n, roots[m], roots[n], proof)


def _run_proof_case(case: dict[str, Any]) -> None:
    proof = [bytes.fromhex(h) for h in case["proof"]]
    if case["kind"] == "inclusion":
        leaf, root = bytes.fromhex(case["leaf_hash"]), bytes.fromhex(case["root"])
        verify_inclusion(leaf, case["index"], case["size"], proof, root)
    else:
        old_root, new_root = bytes.fromhex(case["old_root"]), bytes.fromhex(case["new_root"])
        verify_consistency(case["old"], case["new"], old_root, new_root, proof)


@pytest.mark.parametrize("case", load("tampered.json")["proofs"], ids=lambda c: str(c["name"]))
def test_tampered_proof_vectors_fail(case: dict[str, Any]) -> None:
    with pytest.raises(VerificationError) as caught:
        _run_proof_case(case)
    assert caught.value.what.startswith(f"{case['kind']} proof")


# -- errors -------------------------------------------------------------------------------------


def test_verification_error_carries_roots() -> None:
    entries = entries_of(5)
    proof = naive_path(2, entries)
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(leaf_hash(b"other"), 2, 5, proof, naive_mth(entries))
    err = caught.value
    assert isinstance(err, PlateledgerError)
    assert (err.code, err.status) == ("verification_failed", 409)
    assert err.what == "inclusion proof of entry 2 at tree size 5"
    assert err.expected == naive_mth(entries)
    assert err.computed == root_from_inclusion_proof(leaf_hash(b"other"), 2, 5, proof)
    assert err.details == {
        "what": err.what,
        "reason": "root does not match",
        "expected": naive_mth(entries).hex(),
        "computed": err.computed.hex(),
    }
    assert err.expected.hex() in err.message and err.computed.hex() in err.message


def test_argument_errors() -> None:
    get = getter(entries_of(6))
    with pytest.raises(ValueError, match="aligned"):
        subtree_root(1, 3, get)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(6, 6, get)
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_proof(4, 3, get)
    with pytest.raises(ValueError, match="leaf hash"):
        verify_inclusion(b"entry 0", 0, 6, [], EMPTY_ROOT)
    with pytest.raises(VerificationError, match="larger than new size"):
        verify_consistency(4, 3, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(VerificationError, match="empty-tree root"):
        verify_consistency(0, 3, node_hash(EMPTY_ROOT, EMPTY_ROOT), EMPTY_ROOT, [])
    with pytest.raises(VerificationError, match="must be empty"):
        verify_consistency(3, 3, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])


# -- properties ---------------------------------------------------------------------------------

sizes = st.integers(min_value=1, max_value=150)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=sizes)
def test_consistency_between_any_two_sizes(data: st.DataObject, n: int) -> None:
    m = data.draw(st.integers(min_value=0, max_value=n))
    entries = entries_of(n)
    proof = consistency_proof(m, n, getter(entries))
    assert proof == naive_proof(m, entries)
    verify_consistency(m, n, naive_mth(entries[:m]), naive_mth(entries), proof)


@settings(max_examples=25, deadline=None)
@given(n=sizes)
def test_inclusion_proof_verifies_for_every_index(n: int) -> None:
    entries, root = entries_of(n), naive_mth(entries_of(n))
    get = getter(entries)
    assert subtree_root(0, n, get) == root
    for i in range(n):
        proof = inclusion_proof(i, n, get)
        assert proof == naive_path(i, entries)
        verify_inclusion(leaf_hash(entries[i]), i, n, proof, root)


@settings(max_examples=80, deadline=None)
@given(data=st.data(), n=st.integers(min_value=2, max_value=80))
def test_any_bit_flip_in_inclusion_is_detected(data: st.DataObject, n: int) -> None:
    entries = entries_of(n)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    parts = [leaf_hash(entries[i]), *naive_path(i, entries), naive_mth(entries)]
    which = data.draw(st.integers(min_value=0, max_value=len(parts) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    flipped = bytearray(parts[which])
    flipped[bit // 8] ^= 1 << (bit % 8)
    parts[which] = bytes(flipped)
    with pytest.raises(VerificationError):
        verify_inclusion(parts[0], i, n, parts[1:-1], parts[-1])


@settings(max_examples=80, deadline=None)
@given(data=st.data(), n=st.integers(min_value=2, max_value=80))
def test_any_bit_flip_in_consistency_is_detected(data: st.DataObject, n: int) -> None:
    entries = entries_of(n)
    m = data.draw(st.integers(min_value=1, max_value=n - 1))
    parts = [naive_mth(entries[:m]), naive_mth(entries), *naive_proof(m, entries)]
    which = data.draw(st.integers(min_value=0, max_value=len(parts) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    flipped = bytearray(parts[which])
    flipped[bit // 8] ^= 1 << (bit % 8)
    parts[which] = bytes(flipped)
    with pytest.raises(VerificationError):
        verify_consistency(m, n, parts[0], parts[1], parts[2:])


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(min_value=1, max_value=64))
def test_any_bit_flip_in_any_entry_changes_the_root(data: st.DataObject, n: int) -> None:
    entries = entries_of(n)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    bit = data.draw(st.integers(min_value=0, max_value=8 * len(entries[i]) - 1))
    tampered = bytearray(entries[i])
    tampered[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(VerificationError):
        verify_inclusion(
            leaf_hash(bytes(tampered)), i, n, naive_path(i, entries), naive_mth(entries)
        )
