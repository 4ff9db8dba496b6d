"""CTC helpers shared by the recognisers: exact string likelihood and greedy decoding.

``probs`` is a ``T x (1 + len(alphabet))`` matrix of per-step probabilities whose column 0 is the
CTC blank (anything that is not a plate character, such as a dash or an emblem, counts as blank)
and column ``i + 1`` is ``alphabet[i]``. Scoring a candidate string by its CTC likelihood lets the
plate-syntax candidates (confusable fixes, a glyph dropped) be compared on what the recogniser
actually saw, whatever their length.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Probs = npt.NDArray[np.float32]
_EPS = 1e-9


def char_index(alphabet: str, char: str) -> int | None:
    """Column of ``char`` (the letter O folds to the digit 0 when the alphabet has no O)."""
    if char == "O" and "O" not in alphabet:
        char = "0"
    pos = alphabet.find(char)
    return None if pos < 0 else pos + 1


def log_likelihood(probs: Probs, text: str, alphabet: str) -> float:
    """``log P(text | probs)`` under CTC (``-inf`` when ``text`` cannot be emitted)."""
    labels = [char_index(alphabet, c) for c in text]
    if not text or any(k is None for k in labels):
        return -math.inf
    ext = [0]
    for k in labels:
        ext += [int(k or 0), 0]
    steps = probs.shape[0]
    if steps < len(text):
        return -math.inf
    logp = np.log(probs[:, ext] + _EPS)
    size = len(ext)
    skip = np.zeros(size, dtype=bool)
    for s in range(2, size):
        skip[s] = ext[s] != 0 and ext[s] != ext[s - 2]
    alpha = np.full(size, -np.inf)
    alpha[0], alpha[1] = logp[0, 0], logp[0, 1]
    for t in range(1, steps):
        one = np.concatenate(([-np.inf], alpha[:-1]))
        two = np.where(skip, np.concatenate(([-np.inf, -np.inf], alpha[:-2])), -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, one), two) + logp[t]
    return float(np.logaddexp(alpha[-1], alpha[-2]))


def greedy(
    probs: Probs, alphabet: str, top: int = 3
) -> tuple[str, tuple[float, ...], tuple[tuple[tuple[str, float], ...], ...]]:
    """Best-path text, one probability per character and the ``top`` alternatives per character.

    Alternatives are taken at each character's most confident step and exclude the blank.
    """
    best = probs.argmax(axis=1)
    chars: list[str] = []
    confs: list[float] = []
    alts: list[tuple[tuple[str, float], ...]] = []
    t = 0
    while t < len(best):
        k = int(best[t])
        end = t + 1
        while end < len(best) and best[end] == k:
            end += 1
        if k:
            peak = t + int(probs[t:end, k].argmax())
            row = probs[peak, 1:]
            order = np.argsort(row)[::-1][:top]
            chars.append(alphabet[k - 1])
            confs.append(float(probs[peak, k]))
            alts.append(tuple((alphabet[j], float(row[j])) for j in order))
        t = end
    return "".join(chars), tuple(confs), tuple(alts)
