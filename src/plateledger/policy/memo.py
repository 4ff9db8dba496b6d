"""Memoised policy decisions for the search path.

An investigator's searches repeat the same question — this officer, this purpose, this case,
this reason, over every network — with only the plate changing. :class:`DecisionMemo` answers
it once and keeps the answer while nothing it depends on can have changed:

* **the store's policy and registry tables** (agencies, networks, cameras, sharing agreements,
  declarations and their decisions, agency policies): ``version()`` returns the store's cached
  objects themselves (``PolicyTables.policy_version``). Every write replaces them, never mutates
  them, so a write — whatever its kind — gives a version that is not the remembered one. The
  memo holds the remembered objects, so their identities cannot be reused.
* **the law** (jurisdictions, purposes, classifier terms): packaged files loaded once; the
  loaded objects are part of the version too, so a reload invalidates everything.
* **the request**: the whole :class:`AccessRequest` but its time is the key — user, both
  agencies as registered, purpose code, case number, the exact reason text (one invisible
  character is another key, so another classification is never served), on-behalf agency,
  one-to-one, approved hold, hotlist purpose. A field added to ``AccessRequest`` joins the key.
* **the time**: a decision depends on ``now`` through retention cutoffs (``now - window``) and
  through the dates of agreements and declarations (active, expired, revoked, signed). Cutoffs
  are shifted to the new ``now`` on every hit (exact: they are ``at - window``). The dates are
  boundaries: an entry made at ``t`` is served only for ``t <= now < b``, ``b`` the first date
  of any agreement or declaration after ``t``, and never past ``t + ttl`` nor past midnight UTC
  (a bound on what a future time-dependent rule could get wrong). A clock that goes back misses.

Assist requests are not memoised: the search path applies them after the policy
(``search.on_behalf``), on every request. Decisions are only memoised over this version's
registry (:meth:`DecisionMemo.registry`); any other network list is evaluated afresh.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta

from plateledger.domain.types import Agency, AgencyId, Network
from plateledger.policy.base import AccessRequest, Decision, PolicyEngine
from plateledger.policy.classifier_terms import lexicon
from plateledger.policy.engine import PolicyState
from plateledger.policy.jurisdictions import policy_data
from plateledger.policy.purposes import load_purposes

Version = tuple[object, ...]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Registry:
    """The registered agencies, and every owner network with its agency, that one search is
    judged over."""

    agencies: Mapping[AgencyId, Agency]
    networks: tuple[tuple[Network, Agency], ...]


def registry_of(agencies: Iterable[Agency], networks: Iterable[Network]) -> Registry:
    """Networks whose agency is registered, each with its agency."""
    by_id = {a.id: a for a in agencies}
    pairs = tuple((n, by_id[n.agency_id]) for n in networks if n.agency_id in by_id)
    return Registry(by_id, pairs)


def law_version() -> Version:
    """The loaded law, purposes and classifier terms (each loaded once per process)."""
    return (policy_data(), load_purposes(), lexicon())


@dataclass(frozen=True, slots=True)
class _Entry:
    decisions: tuple[Decision, ...]
    at: datetime  # the request time they were computed for
    until: datetime  # served for at <= now < until


@dataclass
class _Generation:
    version: Version
    registry: Registry
    boundaries: list[datetime]  # sorted dates of agreements and declarations
    entries: dict[AccessRequest, _Entry] = field(default_factory=dict)  # oldest first
    held: int = 0  # decisions in entries


@dataclass
class MemoStats:
    hits: int = 0
    misses: int = 0
    generations: int = 0


class DecisionMemo:
    """A :class:`PolicyEngine` that remembers ``engine``'s decisions (see the module doc).

    ``version``: the store's policy version; ``state``: the engine's inputs (for the dates of
    agreements and declarations); ``registry``: agencies and networks as stored. With
    ``enabled=False`` it evaluates every request afresh (the benchmark's baseline)."""

    def __init__(
        self,
        engine: PolicyEngine,
        *,
        version: Callable[[], Version],
        state: Callable[[], PolicyState],
        registry: Callable[[], Registry],
        ttl: timedelta = timedelta(minutes=5),
        max_decisions: int = 200_000,
        enabled: bool = True,
    ) -> None:
        self.engine = engine
        self.enabled = enabled
        self.ttl = ttl
        self.max_decisions = max_decisions  # over all entries: a national lookup has thousands
        self.stats = MemoStats()
        self._version, self._state, self._registry = version, state, registry
        self._lock = threading.Lock()
        self._gen: _Generation | None = None

    def registry(self) -> Registry:
        """This version's registry (built once per version; afresh when disabled)."""
        if not self.enabled:
            return self._registry()
        return self._current().registry

    def evaluate(
        self, request: AccessRequest, networks: Sequence[tuple[Network, Agency]]
    ) -> list[Decision]:
        if not self.enabled:
            return self.engine.evaluate(request, networks)
        gen = self._current()
        if networks is not gen.registry.networks:  # not this version's registry: no memo
            return self.engine.evaluate(request, networks)
        key = replace(request, at=_EPOCH)
        now = request.at
        with self._lock:
            entry = gen.entries.get(key)
            fresh = entry is not None and entry.at <= now < entry.until
            self.stats.hits += fresh
            self.stats.misses += not fresh
        if entry is not None and fresh:
            return _shifted(entry.decisions, now - entry.at)
        decisions = self.engine.evaluate(request, networks)
        entry = _Entry(tuple(decisions), now, self._until(gen, now))
        with self._lock:
            if self._gen is gen:  # a newer version replaced it meanwhile: nothing kept
                old = gen.entries.pop(key, None)  # expired, or computed twice at once
                gen.held -= 0 if old is None else len(old.decisions)
                while gen.entries and gen.held + len(entry.decisions) > self.max_decisions:
                    gen.held -= len(gen.entries.pop(next(iter(gen.entries))).decisions)  # oldest
                gen.entries[key] = entry
                gen.held += len(entry.decisions)
        return decisions

    def clear(self) -> None:
        """Forget every decision (the next request starts a new generation)."""
        with self._lock:
            self._gen = None

    def _current(self) -> _Generation:
        # The version is read before the registry and the state: an entry is never tagged
        # with a version newer than the data it was computed from.
        version = (*self._version(), *law_version())
        with self._lock:
            gen = self._gen
            if gen is not None and _same(gen.version, version):
                return gen
        fresh = _Generation(version, self._registry(), _boundaries(self._state()))
        with self._lock:
            self.stats.generations += 1
            self._gen = fresh
        return fresh

    def _until(self, gen: _Generation, at: datetime) -> datetime:
        day = at.astimezone(UTC).date() + timedelta(days=1)
        midnight = datetime.combine(day, time(), UTC)
        until = min(at + self.ttl, midnight)
        later = bisect_right(gen.boundaries, at)
        if later < len(gen.boundaries):
            until = min(until, gen.boundaries[later])
        return until


def _same(a: Version, b: Version) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _boundaries(state: PolicyState) -> list[datetime]:
    """Every instant at which an agreement or a declaration starts or stops counting."""
    dates: set[datetime] = set()
    for a in state.agreements:
        dates.update(d for d in (a.created_at, a.expires_at, a.revoked_at) if d is not None)
    for d in state.declarations:
        dates.update(x for x in (d.signed_at, d.expires_at) if x is not None)
    return sorted(dates)


def _shifted(decisions: tuple[Decision, ...], delta: timedelta) -> list[Decision]:
    """The decisions ``delta`` later: each retention cutoff is ``now - window``."""
    if not delta:
        return list(decisions)
    return [
        d if d.retention_cutoff is None else Decision(
            d.network, d.owner_agency, d.decision, d.rule_ids, d.explanation,
            d.retention_cutoff + delta, d.flags, d.evidence,
        )
        for d in decisions
    ]  # fmt: skip


__all__ = ["DecisionMemo", "MemoStats", "Registry", "Version", "law_version", "registry_of"]
