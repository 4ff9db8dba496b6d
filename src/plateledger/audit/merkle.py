"""RFC 6962 / RFC 9162 §2.1 Merkle tree hashing and proofs as pure functions over bytes.

Leaves are hashed as ``SHA-256(0x00 || entry)`` and interior nodes as ``SHA-256(0x01 || l || r)``;
the empty tree's root is ``SHA-256("")``. Proof generation reads complete subtrees through
``get_node(level, index)``: the hash of the 2**level leaves starting at leaf ``index * 2**level``.
A store that keeps every complete subtree per level answers any proof in O(log n) reads.

Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step and
raises :class:`VerificationError` carrying the expected and computed roots.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from plateledger.errors import PlateledgerError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

GetNode = Callable[[int, int], bytes]


class VerificationError(PlateledgerError):
    """A proof, signature or checkpoint failed to verify; ``what`` names the object at fault."""

    code = "verification_failed"
    status = 409

    def __init__(
        self,
        what: str,
        reason: str,
        *,
        expected: bytes | None = None,
        computed: bytes | None = None,
    ) -> None:
        message = f"{what}: {reason}"
        if expected is not None and computed is not None:
            message += f" (expected {expected.hex()}, computed {computed.hex()})"
        details = {
            "what": what,
            "reason": reason,
            "expected": None if expected is None else expected.hex(),
            "computed": None if computed is None else computed.hex(),
        }
        super().__init__(message, details)
        self.what = what
        self.reason = reason
        self.expected = expected
        self.computed = computed


def leaf_hash(data: bytes) -> bytes:
    """MTH of a one-entry list: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def parent_hashes(level: bytes) -> bytes:
    """Hash consecutive pairs of a flat array of 32-byte hashes; an odd last hash is ignored."""
    sha = hashlib.sha256
    return b"".join(
        [sha(b"\x01" + level[i : i + 64]).digest() for i in range(0, len(level) - 63, 64)]
    )


def build_levels(leaf_hashes: bytes) -> list[bytes]:
    """Every complete subtree hash per level, from a flat array of leaf hashes (level 0 first)."""
    levels = [bytes(leaf_hashes)]
    while len(levels[-1]) >= 2 * HASH_SIZE:
        levels.append(parent_hashes(levels[-1]))
    return levels


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) from the n leaf hashes (RFC 9162 §2.1.1); empty tree = SHA-256("")."""
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])  # an unpaired right-edge node moves up unchanged
        level = paired
    return level[0]


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_root(start: int, end: int, get_node: GetNode) -> bytes:
    """MTH(D[start:end]) for a subtree of the RFC 6962 tree, including incomplete right edges.

    ``start`` must be aligned the way RFC 6962 recursion produces it: a multiple of the largest
    power of two not above ``end - start``. The range splits into complete subtrees of decreasing
    size (the binary digits of its length), folded from the right.
    """
    n = end - start
    if n <= 0:
        raise ValueError(f"empty subtree range [{start}, {end})")
    if start % (1 << (n.bit_length() - 1)):
        raise ValueError(f"subtree range [{start}, {end}) is not aligned")
    parts: list[bytes] = []
    pos = start
    for level in range(n.bit_length() - 1, -1, -1):
        if n >> level & 1:
            parts.append(get_node(level, pos >> level))
            pos += 1 << level
    result = parts.pop()
    while parts:
        result = node_hash(parts.pop(), result)
    return result


def inclusion_proof(index: int, size: int, get_node: GetNode) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1, ordered from the leaf up to the root."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + _split(end - start)
        if index < mid:
            path.append(subtree_root(mid, end, get_node))
            end = mid
        else:
            path.append(subtree_root(start, mid, get_node))
            start = mid
    path.reverse()
    return path


def consistency_proof(old: int, new: int, get_node: GetNode) -> list[bytes]:
    """PROOF(old, D[new]) of RFC 9162 §2.1.4.1; empty when ``old`` is 0 or equals ``new``."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from tree size {old} to {new}")
    if old in (0, new):
        return []
    proof: list[bytes] = []
    start, end, whole = 0, new, True  # ``whole``: the subtree is still the old tree's root path
    while old - start != end - start:
        mid = start + _split(end - start)
        if old <= mid:
            proof.append(subtree_root(mid, end, get_node))
            end = mid
        else:
            proof.append(subtree_root(start, mid, get_node))
            start, whole = mid, False
    if not whole:
        proof.append(subtree_root(start, end, get_node))
    proof.reverse()
    return proof


def root_from_inclusion_proof(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], what: str | None = None
) -> bytes:
    """Root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1-4); ``leaf`` is a leaf hash.

    Raises :class:`VerificationError` if the proof has the wrong shape for ``index``/``size``.
    """
    label = what or f"inclusion proof of entry {index} at tree size {size}"
    if len(leaf) != HASH_SIZE:
        raise ValueError(f"leaf must be a {HASH_SIZE}-byte leaf hash; use leaf_hash(entry)")
    if not 0 <= index < size:
        raise VerificationError(label, f"entry index {index} is not below tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError(
                label, f"proof has more than the expected hashes ({len(proof)})"
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:  # fn == sn on the right border: climb to its level
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError(label, f"proof has fewer than the expected hashes ({len(proof)})")
    return r


def verify_inclusion(
    leaf: bytes,
    index: int,
    size: int,
    proof: Sequence[bytes],
    root: bytes,
    what: str | None = None,
) -> None:
    """Check that leaf hash ``leaf`` sits at ``index`` in the tree of ``size`` with ``root``."""
    label = what or f"inclusion proof of entry {index} at tree size {size}"
    computed = root_from_inclusion_proof(leaf, index, size, proof, label)
    if computed != root:
        raise VerificationError(
            label, "root does not match", expected=bytes(root), computed=computed
        )


def verify_consistency(
    old: int,
    new: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
    what: str | None = None,
) -> None:
    """Check that the tree of size ``new`` extends the tree of size ``old`` (RFC 9162 §2.1.4.2).

    Edge cases as in transparency-dev/merkle: equal sizes need an empty proof and equal roots;
    from the empty tree the proof must be empty and ``old_root`` must be the empty root.
    """
    label = what or f"consistency proof from tree size {old} to {new}"
    if not 0 <= old <= new:
        raise VerificationError(label, f"old size {old} is larger than new size {new}")
    if old in (0, new):
        if proof:
            raise VerificationError(label, f"proof must be empty, has {len(proof)} hashes")
        if old == new and old_root != new_root:
            raise VerificationError(
                label,
                "two different roots for the same tree size (fork)",
                expected=bytes(new_root),
                computed=bytes(old_root),
            )
        if old == 0 and old_root != EMPTY_ROOT:
            raise VerificationError(
                label,
                "old root is not the empty-tree root",
                expected=bytes(old_root),
                computed=EMPTY_ROOT,
            )
        return
    old_computed, new_computed = _roots_from_consistency(old, new, old_root, proof, label)
    if old_computed != old_root:
        raise VerificationError(
            label, "old root does not match", expected=bytes(old_root), computed=old_computed
        )
    if new_computed != new_root:
        raise VerificationError(
            label, "new root does not match", expected=bytes(new_root), computed=new_computed
        )


def _roots_from_consistency(
    old: int, new: int, old_root: bytes, proof: Sequence[bytes], label: str
) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 steps 1-6 for 0 < old < new: the (old, new) roots the proof implies."""
    if not proof:
        raise VerificationError(label, "proof is empty")
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError(
                label, f"proof has more than the expected hashes ({len(proof)})"
            )
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError(label, f"proof has fewer than the expected hashes ({len(proof)})")
    return fr, sr
