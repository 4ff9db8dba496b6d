"""Redaction profiles, applied to copies of entries at export time (never to the log itself).

``internal``         everything, as logged.
``records-request``  user ids, agency, purpose, case number, decisions and networks kept; the
                     plate text removed wherever the query puts it (``subject.query.plate``, or
                     ``subject.plate`` where a query was merged into the subject) — mode and
                     filters kept; free text (``reason``, ``note``) scrubbed of personal details.
``public``           as ``records-request``, plus user ids pseudonymised — HMAC-SHA256 under a
                     random per-export salt, truncated: stable within one export, unlinkable
                     across exports —, user ids inside subjects (``user``, ``for_user``,
                     ``created_by``) removed, and case numbers removed. ``system:`` users
                     (retention) are not people and stay as they are.

Removed values are replaced by ``[redacted]``; absent values (a search with no plate) stay
absent. See ``scrub`` for what free-text scrubbing removes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

import orjson

from plateledger.errors import ValidationError

PROFILES = ("internal", "records-request", "public")
REDACTED = "[redacted]"
FREE_TEXT_KEYS = ("reason", "note", "requested_by")  # requested_by: assist requests
USER_KEYS = ("user", "for_user", "created_by")  # user ids inside subjects
PSEUDONYM_HEX = 16  # 64 bits of HMAC-SHA256: no collisions among any realistic user count

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?!\w)")
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    rf"(?<!\w)(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d\d-\d\d"
    rf"|(?i:{_MONTHS})\s+\d{{1,2}},?\s+\d{{4}})(?!\w)"
)
_SUFFIXES = (
    "st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|ln|lane|ct|court|way|pl|place|ter"
    "|terrace|hwy|highway|pkwy|parkway|cir|circle|trl|trail|sq|square"
)
_ADDRESS = re.compile(rf"(?<!\w)\d{{1,6}}\s+(?:[A-Za-z0-9.'-]+\s+){{0,3}}?(?i:{_SUFFIXES})\b\.?")
_TRIGGERS = r"suspect|victim|driver|owner|witness|complainant|ex(?:-\w+)?"
_WORD = r"[A-Z](?:[a-z'’-]+|\.)"
_NAME = re.compile(rf"\b(?i:{_TRIGGERS})[\s:,]+(?P<name>{_WORD}(?:\s+{_WORD}){{0,2}})")
_NAMED = re.compile(r"\b(?i:named|name\s+is)[\s:,]+(?P<name>[\w'’-]+(?:\s+[\w'’-]+)?)")
_PLATE = re.compile(
    r"(?<![\w-])(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])"
    r"(?:[A-Za-z0-9]{2,8}|[A-Za-z0-9]{1,4}-[A-Za-z0-9]{1,4})(?![\w-])"
)
_NOT_PLATE = re.compile(r"\d+(?:st|nd|rd|th|am|pm|pc|vc|hs|mph|yo|yrs?|hrs?|mins?)", re.I)
# Words that end a name: grammar, vehicle words and offense words (which must survive).
_STOP = frozenset(
    "a an and or the of in on at to for from with by is was who that this his her their "
    "vehicle car truck van suv male female unknown unk fled vehicle's stolen theft robbery "
    "burglary assault battery homicide murder shooting kidnapping abduction warrant dui dwi "
    "owi narcotics drugs fraud arson trafficking missing runaway hit run carjacking larceny "
    "vandalism harassment stalking threats weapons suspect victim driver owner witness".split()
)


def new_salt() -> bytes:
    """A fresh random salt for one export's pseudonyms (never written into the export)."""
    return secrets.token_bytes(32)


def check_profile(profile: str) -> str:
    """``profile`` if it names a redaction profile; ValidationError naming the field if not."""
    if profile not in PROFILES:
        raise ValidationError(
            f"profile: must be one of {', '.join(PROFILES)}", {"field": "profile"}
        )
    return profile


def redact(entry: dict[str, Any], profile: str, salt: bytes) -> dict[str, Any]:
    """A redacted deep copy of a parsed entry under ``profile``; ``entry`` is not modified."""
    check_profile(profile)
    out: dict[str, Any] = orjson.loads(orjson.dumps(entry))  # a deep copy, ~10x deepcopy's speed
    if profile == "internal":
        return out
    subject = out.get("subject")
    if isinstance(subject, dict):
        _redact_subject(subject)
    return publicise(out, salt) if profile == "public" else out


def publicise(view: dict[str, Any], salt: bytes) -> dict[str, Any]:
    """The public-only steps, in place, on a ``records-request`` view: user ids pseudonymised,
    case numbers and user ids inside the subject removed."""
    subject = view.get("subject")
    if isinstance(subject, dict):
        for key in ("case_number", "own_case_number"):
            if subject.get(key) is not None:
                subject[key] = REDACTED
        for key in USER_KEYS:  # a name next to a pseudonym would re-identify it
            value = subject.get(key)
            if isinstance(value, str) and not value.startswith("system:"):
                subject[key] = REDACTED
    if isinstance(view.get("user_id"), str):
        view["user_id"] = pseudonym(view["user_id"], salt)
    return view


def pseudonym(user_id: str, salt: bytes) -> str:
    """``user-<hex>``: HMAC-SHA256(salt, user id), truncated; ``system:`` ids are kept."""
    if user_id.startswith("system:"):
        return user_id
    digest = hmac.new(salt, user_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"user-{digest[:PSEUDONYM_HEX]}"


def scrub(text: str, plates: tuple[str, ...] = ()) -> str:
    """``text`` with personal details replaced by ``[redacted]``: e-mail addresses, phone
    numbers, DOB-like dates, street addresses (number + street suffix), names after words like
    "suspect", "victim", "driver", "owner", "witness", "ex" and "named", plate-like tokens
    (2–8 letters and digits with at least one of each) and the entry's own ``plates``.
    Offense words, ordinals, times and penal-code references ("211pc") are kept."""
    letters = _alnum(text).lower()
    for plate in plates:
        wanted = _alnum(plate)
        # a wildcard like "*A*" would match ordinary words; the cheap test spares compiling a
        # pattern for every entry whose text does not hold its plate (most of them)
        if len(wanted) >= 3 and wanted.lower() in letters:
            text = _plate_pattern(plate).sub(REDACTED, text)
    for pattern in (_EMAIL, _PHONE, _DATE, _ADDRESS):
        text = pattern.sub(REDACTED, text)
    text = _NAMED.sub(_redact_name, text)
    text = _NAME.sub(_redact_name, text)
    return _PLATE.sub(_redact_plate, text)


def _redact_subject(subject: dict[str, Any]) -> None:
    query = subject.get("query")
    holders = [subject, *([query] if isinstance(query, dict) else [])]
    plates = tuple(str(h["plate"]) for h in holders if isinstance(h.get("plate"), str))
    for holder in holders:
        if holder.get("plate") is not None:
            holder["plate"] = REDACTED
    for key in FREE_TEXT_KEYS:
        if isinstance(subject.get(key), str):
            subject[key] = scrub(subject[key], plates)


def _alnum(plate: str) -> str:
    return "".join(ch for ch in plate if ch.isalnum())


def _plate_pattern(plate: str) -> re.Pattern[str]:
    """The plate's letters and digits in order, allowing a space or hyphen between any two."""
    body = r"[\s-]?".join(re.escape(ch) for ch in _alnum(plate))
    return re.compile(rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])", re.I)


def _redact_name(match: re.Match[str]) -> str:
    """Replace the leading words of the ``name`` group, up to the first stop word."""
    words = match.group("name").split()
    n = 0
    while n < len(words) and words[n].lower().strip(".,'’") not in _STOP:
        n += 1
    if n == 0:
        return match.group(0)
    start, end = match.span("name")
    rest = " ".join(words[n:])
    head = match.group(0)[: start - match.start()]
    return head + REDACTED + (" " + rest if rest else "") + match.group(0)[end - match.start() :]


def _redact_plate(match: re.Match[str]) -> str:
    token = match.group(0)
    return token if _NOT_PLATE.fullmatch(token) else REDACTED
