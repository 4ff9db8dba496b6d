"""Generate the golden audit-log vectors in ``tests/audit/vectors/`` (deterministic).

Run ``.venv/bin/python tests/audit/make_vectors.py`` to (re)write the JSON files, or add
``--check`` to fail when they differ from what the code produces now. The tests cross-check every
root and proof against an independent naive recursive RFC 6962 implementation (and the roots of
transparency-dev/merkle's reference leaves), so regenerating cannot silently bless a hashing bug.

Files: ``tree.json`` (20 fixed entries, leaf hashes, roots for sizes 0..20), ``inclusion.json``
(every index of every size 1..20), ``consistency.json`` (every 0 <= m <= n <= 20),
``checkpoints.json`` (test keys, honest notes, notes that must be rejected), ``bundle.json`` (a
valid bundle: checkpoints at sizes 7, 13, 20) and ``tampered.json`` (bundles, checkpoint pairs
shown to two clients, and proofs that must fail, each with the failure the verifier must name).
Ed25519 is deterministic, so the fixed seeds below give byte-identical notes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

from plateledger.audit.checkpoint import Checkpoint, Signer
from plateledger.audit.merkle import (
    EMPTY_ROOT,
    build_levels,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    subtree_root,
)

VECTORS = Path(__file__).parent / "vectors"
ORIGIN = "plateledger.example/audit-log"
N = 20
SIZES = (7, 13, N)  # checkpoint sizes of the honest bundle
LOG_SEED = hashlib.sha256(b"plateledger test vector: log key").digest()
ATTACKER_SEED = hashlib.sha256(b"plateledger test vector: attacker key").digest()

Bundle = dict[str, Any]
GetNode = Callable[[int, int], bytes]


def entry(i: int, tag: str = "search") -> bytes:
    """A fixed canonical entry (the bytes are opaque to the Merkle log)."""
    return json.dumps({"event": tag, "seq": i, "user": f"officer-{i % 3}"}, sort_keys=True).encode()


ENTRIES = [entry(i) for i in range(N)]
LOG = Signer.from_seed(ORIGIN, LOG_SEED)
ATTACKER = Signer.from_seed(ORIGIN, ATTACKER_SEED)  # the log's name, another key
STRANGER = Signer.from_seed("stranger.example/log", ATTACKER_SEED)


def tree(entries: list[bytes]) -> GetNode:
    """get_node over an in-memory tree of ``entries``."""
    levels = build_levels(b"".join(leaf_hash(e) for e in entries))
    return lambda level, i: levels[level][i * 32 : (i + 1) * 32]


def root(entries: list[bytes], size: int) -> bytes:
    return subtree_root(0, size, tree(entries)) if size else EMPTY_ROOT


def hexes(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def flip(hex_text: str, byte: int = 3, bit: int = 0) -> str:
    raw = bytearray(bytes.fromhex(hex_text))
    raw[byte] ^= 1 << bit
    return raw.hex()


def fork_entries(first_changed: int) -> list[bytes]:
    """The honest history rewritten from index ``first_changed`` on."""
    return ENTRIES[:first_changed] + [entry(i, "rewritten") for i in range(first_changed, N)]


def note(entries: list[bytes], size: int, signer: Signer = LOG) -> str:
    return signer.sign(Checkpoint(ORIGIN, size, root(entries, size)))


def forge_root(note_text: str, new_root: bytes) -> str:
    """Replace the root line of a signed note without re-signing it."""
    body, _, signatures = note_text.partition("\n\n")
    lines = body.split("\n")
    lines[2] = base64.b64encode(new_root).decode()
    return "\n".join(lines) + "\n\n" + signatures


def truncate_signature(note_text: str) -> str:
    """Drop the last byte of the (only) signature, keeping canonical base64."""
    body, _, line = note_text.partition("\n\n")
    prefix, _, encoded = line.rstrip("\n").rpartition(" ")
    shorter = base64.b64encode(base64.b64decode(encoded)[:-1]).decode()
    return f"{body}\n\n{prefix} {shorter}\n"


def tree_vectors() -> dict[str, Any]:
    return {
        "entries": hexes(ENTRIES),
        "leaf_hashes": hexes([leaf_hash(e) for e in ENTRIES]),
        "roots": [root(ENTRIES, n).hex() for n in range(N + 1)],
    }


def inclusion_vectors() -> list[dict[str, Any]]:
    get = tree(ENTRIES)
    return [
        {"index": i, "size": n, "proof": hexes(inclusion_proof(i, n, get))}
        for n in range(1, N + 1)
        for i in range(n)
    ]


def consistency_vectors() -> list[dict[str, Any]]:
    get = tree(ENTRIES)
    return [
        {"old": m, "new": n, "proof": hexes(consistency_proof(m, n, get))}
        for n in range(N + 1)
        for m in range(n + 1)
    ]


def make_bundle(entries: list[bytes], sizes: tuple[int, ...] = SIZES) -> Bundle:
    """A bundle whose checkpoints and proofs are all honest for ``entries``."""
    get, last = tree(entries), sizes[-1]
    inclusion = sorted([(i, last) for i in range(last)] + [(i, sizes[0]) for i in range(sizes[0])])
    return {
        "entries": hexes(entries),
        "checkpoints": [note(entries, s) for s in sizes],
        "inclusion": [
            {"index": i, "tree_size": s, "hashes": hexes(inclusion_proof(i, s, get))}
            for i, s in inclusion
        ],
        "consistency": [
            {"old_size": a, "new_size": b, "hashes": hexes(consistency_proof(a, b, get))}
            for a, b in pairwise(sizes)
        ],
        "vkey": LOG.public_key_line(),
    }


def proof_of(bundle: Bundle, index: int, size: int) -> list[str]:
    """The (mutable) hash list of the bundle's inclusion proof of ``index`` at ``size``."""
    for proof in bundle["inclusion"]:
        if (proof["index"], proof["tree_size"]) == (index, size):
            hashes: list[str] = proof["hashes"]
            return hashes
    raise KeyError((index, size))


def flip_in(hashes: list[str], i: int) -> None:
    hashes[i] = flip(hashes[i])


def swap_in_fork(first_changed: int) -> Callable[[Bundle], None]:
    """Replace the last checkpoint by one of a rewritten history, with that history's proof."""

    def edit(bundle: Bundle) -> None:
        forked = fork_entries(first_changed)
        bundle["checkpoints"][2] = note(forked, N)
        bundle["consistency"][1]["hashes"] = hexes(consistency_proof(13, N, tree(forked)))

    return edit


def set_checkpoint(i: int, text: Callable[[Bundle], str]) -> Callable[[Bundle], None]:
    return lambda b: b["checkpoints"].__setitem__(i, text(b))


INCL = "inclusion proof of entry {} at tree size {}"
CONS = "consistency proof from checkpoint #{} (size {}) to #{} (size {})"

# fmt: off
BUNDLE_EDITS: list[tuple[str, str, str, Callable[[Bundle], object]]] = [
    # (name, ``what`` of the first failure, part of its reason, edit of the honest bundle)
    ("flipped_bit_in_entry_5", INCL.format(5, 7), "root does not match",
     lambda b: flip_in(b["entries"], 5)),
    ("dropped_entry_9", INCL.format(9, 20), "root does not match",
     lambda b: b["entries"].pop(9)),
    ("swapped_entries_3_and_4", INCL.format(3, 7), "root does not match",
     lambda b: b["entries"].insert(3, b["entries"].pop(4))),
    ("inserted_entry_at_12", INCL.format(12, 20), "root does not match",
     lambda b: b["entries"].insert(12, entry(99).hex())),
    ("dropped_last_entry", INCL.format(19, 20), "entry is missing",
     lambda b: b["entries"].pop()),
    ("dropped_last_entry_and_its_proof", "checkpoint #2 (size 20)", "holds only 19 entries",
     lambda b: (b["entries"].pop(), b["inclusion"].pop())),
    ("appended_unsigned_entry", "bundle", "not covered by any signed checkpoint",
     lambda b: b["entries"].append(entry(N).hex())),
    ("flipped_bit_in_inclusion_proof", INCL.format(11, 20), "root does not match",
     lambda b: flip_in(proof_of(b, 11, N), 1)),
    ("truncated_inclusion_proof", INCL.format(2, 7), "fewer than the expected hashes",
     lambda b: proof_of(b, 2, 7).pop()),
    ("forged_checkpoint_root", "checkpoint #1", "bad signature",
     set_checkpoint(1, lambda b: forge_root(b["checkpoints"][1], root(ENTRIES, 12)))),
    ("checkpoint_resigned_with_another_key", "checkpoint #2", "re-signed with another key",
     set_checkpoint(2, lambda b: note(ENTRIES, N, ATTACKER))),
    ("checkpoint_signed_by_unknown_key", "checkpoint #0", "unknown key",
     set_checkpoint(0, lambda b: note(ENTRIES, 7, STRANGER))),
    ("fork_two_roots_for_size_13", "checkpoint #2 (size 13)", "fork",
     set_checkpoint(2, lambda b: note(fork_entries(10), 13))),
    ("fork_diverged_history", CONS.format(1, 13, 2, 20), "fork", swap_in_fork(10)),
    ("checkpoint_over_rewritten_tail", INCL.format(0, 20), "root does not match",
     swap_in_fork(13)),
    ("flipped_bit_in_consistency_proof", CONS.format(0, 7, 1, 13), "fork",
     lambda b: flip_in(b["consistency"][0]["hashes"], 0)),
    ("missing_consistency_proof", CONS.format(1, 13, 2, 20), "missing",
     lambda b: b["consistency"].pop(1)),
]
# fmt: on


def tampered_bundles() -> list[dict[str, Any]]:
    cases = []
    for name, what, reason, edit in BUNDLE_EDITS:
        bundle = make_bundle(ENTRIES)
        edit(bundle)
        cases.append({"name": name, "what": what, "reason": reason, "bundle": bundle})
    return cases


def checkpoint_vectors() -> dict[str, Any]:
    """Test keys, honest notes (one cosigned by a stranger), and notes that must be rejected."""
    honest = {str(n): note(ENTRIES, n) for n in (0, *SIZES)}
    signed = LOG.sign_text  # validly signed notes whose body is not a valid checkpoint
    root7 = base64.b64encode(root(ENTRIES, 7)).decode()
    # fmt: off
    bad = [
        ("root_changed", forge_root(honest["13"], root(ENTRIES, 12)), "bad signature"),
        ("size_changed", honest["13"].replace("\n13\n", "\n12\n", 1), "bad signature"),
        ("signature_truncated", truncate_signature(honest["7"]), "bad signature"),
        ("resigned_with_another_key", note(ENTRIES, 7, ATTACKER), "re-signed with another key"),
        ("signed_by_unknown_key", note(ENTRIES, 7, STRANGER), "unknown key"),
        ("no_blank_line", honest["7"].replace("\n\n", "\n"), "bad format"),
        ("no_em_dash", honest["7"].replace("\u2014 ", "- "), "bad format"),
        ("size_with_leading_zero", signed(f"{ORIGIN}\n07\n{root7}\n"), "tree size"),
        ("root_not_base64", signed(f"{ORIGIN}\n7\nnot-base64!\n"), "not base64"),
        ("root_too_short", signed(f"{ORIGIN}\n7\nAAAA\n"), "root hash has 3 bytes"),
        ("missing_root_line", signed(f"{ORIGIN}\n7\n"), "bad format"),
    ]
    # fmt: on
    return {
        "origin": ORIGIN,
        "vkey": LOG.public_key_line(),
        "attacker_vkey": ATTACKER.public_key_line(),
        "log_key_seed": LOG_SEED.hex(),
        "notes": honest,
        "cosigned_note": honest["7"] + note(ENTRIES, 7, STRANGER).split("\n\n")[1],
        "bad_notes": [{"name": n, "note": t, "reason": r} for n, t, r in bad],
    }


def fork_vectors() -> list[dict[str, Any]]:
    """Pairs of validly signed checkpoints shown to two clients; only the first pair is honest."""
    forked, honest_proof = fork_entries(10), consistency_proof(13, N, tree(ENTRIES))
    # fmt: off
    pairs = [
        ("honest_13_and_20", note(ENTRIES, 13), note(ENTRIES, N), honest_proof, None),
        ("same_size_different_roots", note(ENTRIES, 13), note(forked, 13), [], "fork"),
        ("diverged_at_10", note(ENTRIES, 13), note(forked, N),
         consistency_proof(13, N, tree(forked)), "fork"),
        ("diverged_with_honest_proof", note(ENTRIES, 13), note(forked, N), honest_proof, "fork"),
    ]
    # fmt: on
    return [
        {"name": name, "note_a": a, "note_b": b, "proof": hexes(p), "reason": reason}
        for name, a, b, p, reason in pairs
    ]


def proof_vectors() -> list[dict[str, Any]]:
    """Inclusion and consistency proofs, each tampered one way; all must fail."""
    get = tree(ENTRIES)
    p9, c = hexes(inclusion_proof(9, 13, get)), hexes(consistency_proof(6, 13, get))
    leaf9, root13 = leaf_hash(ENTRIES[9]).hex(), root(ENTRIES, 13).hex()
    incl = {"kind": "inclusion", "index": 9, "size": 13, "leaf_hash": leaf9, "proof": p9,
            "root": root13}  # fmt: skip
    cons = {"kind": "consistency", "old": 6, "new": 13, "old_root": root(ENTRIES, 6).hex(),
            "new_root": root13, "proof": c}  # fmt: skip
    # fmt: off
    edits: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("leaf_bit_flipped", incl, {"leaf_hash": flip(leaf9)}),
        ("proof_hash_bit_flipped", incl, {"proof": [p9[0], flip(p9[1]), *p9[2:]]}),
        ("wrong_index", incl, {"index": 8}),
        ("wrong_size_other_shape", incl, {"size": 11}),
        ("index_beyond_size", incl, {"index": 13}),
        ("extra_hash", incl, {"proof": [*p9, p9[0]]}),
        ("missing_hash", incl, {"proof": p9[:-1]}),
        ("root_of_other_size", incl, {"root": root(ENTRIES, 12).hex()}),
        ("consistency_bit_flipped", cons, {"proof": [c[0], flip(c[1]), *c[2:]]}),
        ("consistency_swapped_hashes", cons, {"proof": [c[1], c[0], *c[2:]]}),
        ("consistency_wrong_old_root", cons, {"old_root": root(ENTRIES, 5).hex()}),
        ("consistency_extra_hash", cons, {"proof": [*c, c[0]]}),
        ("consistency_empty", cons, {"proof": []}),
        ("consistency_from_fork", cons,
         {"proof": hexes(consistency_proof(6, 13, tree(fork_entries(3))))}),
        ("consistency_same_size_fork", cons,
         {"old": 13, "old_root": root(fork_entries(3), 13).hex(), "proof": []}),
    ]
    # fmt: on
    return [{"name": name, **base, **change} for name, base, change in edits]


def build_all() -> dict[str, Any]:
    """File name -> JSON content of every vector file."""
    return {
        "tree.json": tree_vectors(),
        "inclusion.json": inclusion_vectors(),
        "consistency.json": consistency_vectors(),
        "checkpoints.json": checkpoint_vectors(),
        "bundle.json": make_bundle(ENTRIES),
        "tampered.json": {
            "bundles": tampered_bundles(),
            "forks": fork_vectors(),
            "proofs": proof_vectors(),
        },
    }


def render(content: Any) -> str:
    return json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    VECTORS.mkdir(exist_ok=True)
    for name, content in build_all().items():
        path, text = VECTORS / name, render(content)
        if not check:
            path.write_text(text, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    if stale:
        print(f"stale vectors: {', '.join(stale)}; run tests/audit/make_vectors.py")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
