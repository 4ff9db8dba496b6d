"""Offline verification of an audit bundle: entries, signed checkpoints and proofs, no server.

Checks run in this fixed order, and the first failure is raised as a VerificationError naming
the checkpoint, proof or entry at fault with the expected and computed roots:

1. the public key line parses;
2. every checkpoint note is signed by that key and well formed (in bundle order);
3. the checkpoints form one history: same origin, sizes non-decreasing, equal sizes with equal
   roots (else a fork);
4. a consistency proof links each pair of consecutive checkpoints (signed roots only);
5. each inclusion proof, by entry index, proves that entry's leaf hash under the signed root of
   the checkpoint of that tree size (so a flipped, dropped or swapped entry is named);
6. each checkpoint root equals the root recomputed from the entries.

Speed: leaf hashes and all complete subtrees are computed once; an inclusion proof under a root
already matched by the entries is checked by comparing its hashes with the recomputed tree
(identical result to RFC 9162 verification, without rehashing), falling back to the full
verification when anything differs.

``verify_bundle_hashes`` runs the same checks on leaf hashes the caller computed: a bundle
directory's sealed entries (see ``seal``) are turned into leaves from each published view, its
nonce and the other views' commitments, so redacted bundles are verified in full too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from plateledger.audit.checkpoint import Checkpoint
from plateledger.audit.keys import KeyRing
from plateledger.audit.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    VerificationError,
    build_levels,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)


@dataclass(frozen=True)
class InclusionProof:
    """Proof that entry ``index`` is in the tree of ``tree_size`` leaves (leaf-to-root order)."""

    index: int
    tree_size: int
    hashes: Sequence[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    """Proof that the tree of ``new_size`` leaves extends the tree of ``old_size`` leaves."""

    old_size: int
    new_size: int
    hashes: Sequence[bytes]


@dataclass(frozen=True)
class BundleReport:
    """What a successful verification established."""

    origin: str
    entries: int
    checkpoints: tuple[Checkpoint, ...]
    inclusion_proofs: int
    consistency_proofs: int
    hash_only: int = 0  # entries verified only by a leaf hash (withheld: content not published)
    profile: str = "internal"
    notes: tuple[str, ...] = ()  # what was and was not checked, beyond the counts above

    @property
    def tree_size(self) -> int:
        return self.checkpoints[-1].size

    @property
    def root(self) -> bytes:
        return self.checkpoints[-1].root


def _label(i: int, cp: Checkpoint) -> str:
    return f"checkpoint #{i} (size {cp.size})"


def compare_checkpoints(
    a: Checkpoint, b: Checkpoint, proof: Sequence[bytes], what: str | None = None
) -> None:
    """What two clients do when they meet: their checkpoints must describe one history.

    Equal sizes must have equal roots; otherwise ``proof`` must be a consistency proof from the
    smaller to the larger. Any failure is reported as a fork.
    """
    old, new = (a, b) if a.size <= b.size else (b, a)
    label = what or f"fork check between size {old.size} and size {new.size}"
    if old.origin != new.origin:
        raise VerificationError(label, f"different logs {old.origin!r} and {new.origin!r}")
    try:
        verify_consistency(old.size, new.size, old.root, new.root, proof, label)
    except VerificationError as exc:
        if "fork" in exc.reason:
            raise
        raise VerificationError(
            label, f"fork: {exc.reason}", expected=exc.expected, computed=exc.computed
        ) from None


class _Tree:
    """Every complete subtree over the bundle's entries, with cached right-edge roots."""

    def __init__(self, entries: Sequence[bytes], *, hashed: bool = False) -> None:
        """Over ``entries``, or over their leaf hashes if ``hashed``."""
        sha = hashlib.sha256
        self.size = len(entries)
        self.leaves = list(entries) if hashed else [sha(b"\x00" + e).digest() for e in entries]
        self.levels = build_levels(b"".join(self.leaves))
        self._edges: dict[tuple[int, int], bytes] = {}

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index * HASH_SIZE : (index + 1) * HASH_SIZE]

    def root(self, size: int) -> bytes:
        return self.edge(0, size) if size else EMPTY_ROOT

    def edge(self, start: int, end: int) -> bytes:
        key = (start, end)
        if key not in self._edges:
            self._edges[key] = subtree_root(start, end, self.node)
        return self._edges[key]

    def proof_matches(self, index: int, size: int, proof: Sequence[bytes]) -> bool:
        """Whether ``proof`` is exactly the inclusion proof of ``index`` in this tree at ``size``.

        The proof of RFC 9162 splits where the paths to ``index`` and ``size - 1`` diverge
        (transparency-dev/merkle): complete siblings below, one right-edge subtree, then the
        left siblings on the border above.
        """
        inner = (index ^ (size - 1)).bit_length()
        if len(proof) != inner + (index >> inner).bit_count():
            return False
        levels = self.levels
        for j in range(inner - 1):
            offset = ((index >> j) ^ 1) * HASH_SIZE
            if proof[j] != levels[j][offset : offset + HASH_SIZE]:
                return False
        k = inner
        if inner and proof[inner - 1] != self.edge(
            ((index >> (inner - 1)) | 1) << (inner - 1), size
        ):
            return False
        for j in range(inner, size.bit_length()):
            if index >> j & 1:
                offset = ((index >> j) - 1) * HASH_SIZE
                if proof[k] != levels[j][offset : offset + HASH_SIZE]:
                    return False
                k += 1
        return True


def verify_bundle(
    entries: Sequence[bytes],
    checkpoints: Sequence[str],
    inclusion: Iterable[InclusionProof],
    consistency: Iterable[ConsistencyProof],
    vkey: str | KeyRing,
) -> BundleReport:
    """Verify a whole bundle (see the module docstring for the order of checks)."""
    return _verify(_Tree(entries), checkpoints, inclusion, consistency, vkey)


def verify_bundle_hashes(
    leaf_hashes: Sequence[bytes],
    checkpoints: Sequence[str],
    inclusion: Iterable[InclusionProof],
    consistency: Iterable[ConsistencyProof],
    vkey: str | KeyRing,
) -> BundleReport:
    """``verify_bundle`` from the entries' leaf hashes alone (redacted bundles: the published
    entries differ from the logged ones, so only their leaf hashes can be checked)."""
    for i, leaf in enumerate(leaf_hashes):
        if len(leaf) != HASH_SIZE:
            raise VerificationError(f"leaf hash of entry {i}", f"is not {HASH_SIZE} bytes")
    return _verify(_Tree(leaf_hashes, hashed=True), checkpoints, inclusion, consistency, vkey)


def _verify(
    tree: _Tree,
    checkpoints: Sequence[str],
    inclusion: Iterable[InclusionProof],
    consistency: Iterable[ConsistencyProof],
    vkey: str | KeyRing,
) -> BundleReport:
    """The checks of the module docstring, in order, over ``tree``."""
    cps, n_consistency = _signed_history(checkpoints, consistency, vkey)
    n_inclusion = _check_inclusion(cps, list(inclusion), tree)
    _check_roots(cps, tree)
    return BundleReport(cps[0].origin, tree.size, cps, n_inclusion, n_consistency)


def _check_history(cps: Sequence[Checkpoint]) -> None:
    """One log, sizes never going back, no two roots for one size."""
    for i in range(1, len(cps)):
        prev, cur = cps[i - 1], cps[i]
        label = _label(i, cur)
        if cur.origin != cps[0].origin:
            raise VerificationError(label, f"origin {cur.origin!r} is not {cps[0].origin!r}")
        if cur.size < prev.size:
            raise VerificationError(label, f"tree size goes back from {prev.size} (#{i - 1})")
        if cur.size == prev.size and cur.root != prev.root:
            raise VerificationError(
                label,
                f"fork: checkpoint #{i - 1} has the same size and another root",
                expected=prev.root,
                computed=cur.root,
            )


def _check_consistency(cps: Sequence[Checkpoint], proofs: Sequence[ConsistencyProof]) -> int:
    """Every consecutive pair of checkpoints is linked by a valid consistency proof."""
    by_sizes = {(p.old_size, p.new_size): p.hashes for p in proofs}
    index_of = {cp.size: i for i, cp in reversed(list(enumerate(cps)))}
    pairs = [(i - 1, i) for i in range(1, len(cps))]
    for old_size, new_size in by_sizes:
        if old_size > new_size or old_size not in index_of or new_size not in index_of:
            raise VerificationError(
                f"consistency proof from size {old_size} to {new_size}",
                "does not connect two checkpoints of the bundle",
            )
        pair = (index_of[old_size], index_of[new_size])
        if pair not in pairs:
            pairs.append(pair)
    for a, b in pairs:
        old, new = cps[a], cps[b]
        what = f"consistency proof from checkpoint #{a} (size {old.size}) to #{b} (size {new.size})"
        proof = by_sizes.get((old.size, new.size))
        if proof is None and 0 < old.size < new.size:
            raise VerificationError(what, "missing from the bundle")
        compare_checkpoints(old, new, proof or (), what)
    return len(by_sizes)


def _check_inclusion(cps: Sequence[Checkpoint], proofs: list[InclusionProof], tree: _Tree) -> int:
    """Each proof shows its entry's leaf hash under the signed root of its tree size."""
    roots = {cp.size: cp.root for cp in cps}
    matched = {s: s <= tree.size and tree.root(s) == r for s, r in roots.items()}
    if any((a.index, a.tree_size) > (b.index, b.tree_size) for a, b in pairwise(proofs)):
        proofs.sort(key=lambda p: (p.index, p.tree_size))
    for p in proofs:
        what = f"inclusion proof of entry {p.index} at tree size {p.tree_size}"
        if p.tree_size not in roots:
            raise VerificationError(what, "no checkpoint of that tree size in the bundle")
        if 0 <= p.index < p.tree_size and p.index >= tree.size:
            raise VerificationError(what, f"entry is missing: the bundle has {tree.size} entries")
        fast = matched[p.tree_size] and 0 <= p.index < p.tree_size
        if not (fast and tree.proof_matches(p.index, p.tree_size, p.hashes)):
            # an index outside the tree fails in verify_inclusion; any 32 bytes stand in
            leaf = tree.leaves[p.index] if 0 <= p.index < tree.size else EMPTY_ROOT
            verify_inclusion(leaf, p.index, p.tree_size, p.hashes, roots[p.tree_size], what)
    return len(proofs)


def _check_roots(cps: Sequence[Checkpoint], tree: _Tree) -> None:
    """Every checkpoint root is the root of the entries, and every entry is covered."""
    for i, cp in enumerate(cps):
        if cp.size > tree.size:
            raise VerificationError(_label(i, cp), f"the bundle holds only {tree.size} entries")
        computed = tree.root(cp.size)
        if computed != cp.root:
            raise VerificationError(
                _label(i, cp),
                "root does not match the entries",
                expected=cp.root,
                computed=computed,
            )
    if tree.size > cps[-1].size:
        raise VerificationError(
            "bundle",
            f"entries {cps[-1].size}..{tree.size - 1} are not covered by any signed checkpoint",
        )


def _signed_history(
    checkpoints: Sequence[str], consistency: Iterable[ConsistencyProof], vkey: str | KeyRing
) -> tuple[tuple[Checkpoint, ...], int]:
    """Checks 1-4: the key (or key history), every checkpoint's signature by a key allowed to
    sign its size, one history, consistency proofs."""
    ring = vkey if isinstance(vkey, KeyRing) else KeyRing.single(vkey)
    if not checkpoints:
        raise VerificationError("bundle", "has no checkpoint")
    cps = tuple(ring.open(note, what=f"checkpoint #{i}") for i, note in enumerate(checkpoints))
    _check_history(cps)
    return cps, _check_consistency(cps, list(consistency))
