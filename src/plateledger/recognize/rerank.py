"""Re-ranking a plate's candidate readings by the issuing state's plate formats.

Only the candidates the recogniser already produced are re-ordered (nothing is added); each
keeps its own per-character confidences. A candidate's score is its reading score with the flat
format prior of ``candidates.format_prior`` taken out, times a prior over formats:

    prior(text) = sum over states s of P(s) * fit(s, text)

``fit`` is 1 for the state's widely documented current format, less for its documented legacy
or approximated formats (``plate_formats.yaml`` confidence high / medium / low), 0 when the text
fits none. The prior is scaled so that the best-fitting candidate of the plate gets 1 (unless
its format is rare, below ``MIN_MASS``), and a text with no fit gets ``FLOOR`` (0.7, the flat
prior's value for no fit), so confidences stay on the scale they had before re-ranking.

``P(s)`` is the state named on the plate (its name or slogan) when there is one, else the
CRNN issuing-state head's distribution (learned from layout and colours) blended with a prior
over where US cars are registered, else that prior alone. A text that fits no format at all
(vanity, specialty and non-US plates) keeps the floor, so it still wins when the recogniser is
sure of it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from plateledger.domain.plate_formats import formats_for
from plateledger.domain.types import US_STATES
from plateledger.recognize.candidates import format_prior

Ranked = list[tuple[str, float, tuple[float, ...]]]
StateDist = Mapping[str, float]

#: Weight of a format by its documented confidence in ``plate_formats.yaml``.
FIT_WEIGHT = {"high": 1.0, "medium": 0.8, "low": 0.6}
#: Multiplier of a text that fits no format of any likely state (vanity, specialty, non-US).
FLOOR = 0.7
#: A format mass below this counts as rare: its best-fitting candidate is not scaled up to 1.
MIN_MASS = 0.05
#: Share of the CRNN state head in the state distribution when the plate names no state.
HEAD_WEIGHT = 0.5
#: Approximate share of US registered passenger vehicles by state (FHWA 2020, rounded, in %);
#: the states not listed share the rest evenly. A prior only: it ranks formats, never states.
REGISTRATIONS = {
    "CA": 13.0, "TX": 8.5, "FL": 6.8, "NY": 4.0, "PA": 4.0, "OH": 4.0, "IL": 4.0, "MI": 3.2,
    "GA": 3.1, "NC": 3.0, "NJ": 2.4, "VA": 2.7, "WA": 2.4, "AZ": 2.2, "TN": 2.2, "IN": 2.1,
    "MO": 2.0, "WI": 1.9, "MN": 1.9, "CO": 1.8, "SC": 1.6, "AL": 1.8, "LA": 1.4, "KY": 1.4,
    "OR": 1.3, "OK": 1.3, "MA": 1.9, "MD": 1.7, "CT": 1.0,
}  # fmt: skip


@functools.cache
def national_prior() -> dict[str, float]:
    """P(state) for a US plate whose state is unknown (registration shares, normalised)."""
    listed = sum(REGISTRATIONS.values())
    rest = [code for code in US_STATES if code not in REGISTRATIONS]
    share = max(0.0, 100.0 - listed) / max(1, len(rest))
    raw = {code: REGISTRATIONS.get(code, share) for code in US_STATES}
    total = sum(raw.values())
    return {code: value / total for code, value in raw.items()}


def state_distribution(
    named: str | None, head: Sequence[tuple[str, float]] = ()
) -> dict[str, float]:
    """P(state): the named state; else the head's probabilities blended with the prior."""
    if named is not None:
        return {named.upper(): 1.0}
    prior = national_prior()
    if not head:
        return dict(prior)
    total = sum(p for _, p in head) or 1.0
    dist = {code: (1 - HEAD_WEIGHT) * p for code, p in prior.items()}
    for code, p in head:
        if code.upper() in dist:
            dist[code.upper()] += HEAD_WEIGHT * p / total
    return dist


def fit(state: str, text: str) -> float:
    """How well ``text`` fits ``state``'s formats: the weight of the best matching one, or 0."""
    return max(
        (FIT_WEIGHT[f.confidence] for f in formats_for(state) if f.matches(text)), default=0.0
    )


def format_mass(text: str, dist: StateDist) -> float:
    """``sum P(s) * fit(s, text)``: how likely a plate of this format is, 0..1."""
    return sum(p * fit(state, text) for state, p in dist.items() if p > 1e-4)


def rerank(ranked: Ranked, named: str | None, dist: StateDist) -> Ranked:
    """``ranked`` re-ordered by reading score times the state-format prior, best first.

    ``named``: the state whose formats the reading scores were computed with (its flat prior is
    divided out first), or ``None``. Confidences are rescaled the same way; per-character
    confidences stay with their candidate.
    """
    state_formats = formats_for(named) if named else ()
    masses = [format_mass(text, dist) for text, _, _ in ranked]
    top = max([MIN_MASS, *masses])
    rescored = []
    for (text, confidence, chars), mass in zip(ranked, masses, strict=True):
        base = confidence / format_prior(text, state_formats)
        prior = FLOOR + (1 - FLOOR) * min(1.0, mass / top)
        rescored.append((text, min(1.0, base * prior), chars))
    rescored.sort(key=lambda item: (-item[1], item[0]))
    return rescored
