"""Version constraints as sources write them, read into a ``VersionSpec`` that answers "is this
version inside?".

Sources write constraints in many ways: CSAF ``product_version`` names ("1.1.7.333 | 2.1.1.3069",
"12.x", "2.3.6 and below"), ``product_version_range`` names ("<= 2.6A", ">= 1.0.0 | <= 1.3.1",
"A10 < A11", "vers:all/*"), CVE JSON 5 and KEV ranges turned into text by the importers, and
``vers:`` strings (https://github.com/package-url/purl-spec/blob/master/VERSION-RANGE-SPEC.rst).

The reading, in order:

- ``""``, ``*``, ``vers:all/*``, "all versions": every version.
- ``vers:<scheme>/...`` with a scheme ``univers`` knows (pypi, npm, maven, deb, rpm, ...): the
  range is read by ``univers`` and versions are compared with that ecosystem's rules.
- anything else (``vers:generic/...`` included) is split on ``|`` (also ``,``, " or ", " and " between
  plain versions); each part is a comparison (``< 1.2``), a closed span (``A.01 <= C.0x``), an open
  wildcard (``12.x`` = every 12.something) or an exact version. Comparisons are paired into ranges as
  in ``vers``: a lower bound followed by an upper bound is one range; a lone bound is open on the
  other side. Versions compare in natural order: numbers numerically, letters as text, case ignored
  (2.6A < 2.7A, 2.10 > 2.9, 1.0 = 1.0.0).
- what cannot be read that way ("with wireless option (shipped between 2016-August 2018)",
  "< july 1 2017", "882160 Gemini Dual") is ``unreadable``: a product that matches by name is then
  a finding of *unknown* certainty, for a person to check.

``parse_constraint`` never raises; ``VersionSpec.contains`` returns ``None`` when the answer cannot
be known (the spec or the version is unreadable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_CONSTRAINT_LENGTH = 500

# One element of a version key: (1, number) or (0, text); text sorts before numbers so that
# 1.0 < 1.0a < 1.0.1 and 2.6A < 2.7A.
KeyPart = tuple[int, int | str]
VersionKey = tuple[KeyPart, ...]

_RUNS = re.compile(r"[0-9]+|[a-z]+")
_WILDCARD_SEGMENT = re.compile(r"^(?:x|\*)$", re.IGNORECASE)
# A plain version: starts with a letter or digit, then letters, digits and . - _ + ~ : only.
_VERSION_TOKEN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+~:-]*$")
# Words that belong to version texts ("1.1.3 MR Build 11", "1.8.4 Service Pack 01", "3.0 D15").
_VERSION_WORDS = frozenset(
    {
        "build",
        "release",
        "rel",
        "sp",
        "service",
        "pack",
        "mr",
        "patch",
        "update",
        "rev",
        "revision",
        "hotfix",
        "hf",
        "fp",
    }
)
_COMPARATOR = re.compile(r"^(<=|>=|!=|<|>|=)\s*(.+)$")
# "A.01 <= C.0x", "A10 < A11": a span written with the operator between two versions.
_SPAN = re.compile(r"^(.+?)\s*(<=|<)\s*(.+)$")
_BELOW = re.compile(r"^(.+?)\s+(?:and|or|&)\s+(?:below|earlier|lower|older|prior)$", re.IGNORECASE)
_ABOVE = re.compile(r"^(.+?)\s+(?:and|or|&)\s+(?:above|later|higher|newer)$", re.IGNORECASE)
_ALL = frozenset({"", "*", "vers:all/*", "all", "all versions", "any", "-"})
# Schemes that univers reads with an ecosystem's own rules. "generic" is not among them: univers
# reads it as semver, which refuses "2.6A"; our natural order serves those better.
_UNIVERS_SKIP = frozenset({"generic", "all", "none", "intdot", "lexicographic", "datetime"})


def version_key(text: str) -> VersionKey | None:
    """The natural-order key of a version, or ``None`` if the text is not a version."""
    text = text.strip()
    if not text or len(text) > 100:
        return None
    tokens = text.split()
    if len(tokens) > 5:
        return None
    for token in tokens:
        if not _VERSION_TOKEN.match(token):
            return None
        # A word that is not a version word ("Gemini", "option") means a description, not a version.
        wordy = not any(c.isdigit() for c in token) and len(token) > 2
        if wordy and token.lower() not in _VERSION_WORDS:
            return None
    if not any(c.isdigit() for c in text) and not (len(tokens) == 1 and len(text) <= 3):
        # "K" or "B" are versions; "july" or "Avance" are not.
        return None
    parts: list[KeyPart] = []
    for run in _RUNS.findall(text.lower()):
        parts.append((1, int(run)) if run.isdigit() else (0, run))
    # 1.0 and 1.0.0 are the same version.
    while len(parts) > 1 and parts[-1] == (1, 0):
        parts.pop()
    return tuple(parts) if parts else None


@dataclass(frozen=True)
class Bound:
    """One end of a range. ``prefix`` bounds ("11.x") compare only the leading parts."""

    key: VersionKey
    inclusive: bool
    prefix: bool = False

    def _compare(self, version: VersionKey) -> int:
        subject = version[: len(self.key)] if self.prefix else version
        if self.prefix:
            # "11.x": 11 itself and 11.anything are "equal" to the bound.
            padded = subject + ((1, 0),) * (len(self.key) - len(subject))
            subject = padded
        return (subject > self.key) - (subject < self.key)

    def below(self, version: VersionKey) -> bool:
        """True if ``version`` is on or above this lower bound."""
        c = self._compare(version)
        return c > 0 or (c == 0 and self.inclusive)

    def above(self, version: VersionKey) -> bool:
        """True if ``version`` is on or below this upper bound."""
        c = self._compare(version)
        return c < 0 or (c == 0 and self.inclusive)


@dataclass(frozen=True)
class Interval:
    lower: Bound | None
    upper: Bound | None

    def contains(self, version: VersionKey) -> bool:
        if self.lower is not None and not self.lower.below(version):
            return False
        return self.upper is None or self.upper.above(version)


@dataclass(frozen=True)
class VersionSpec:
    """A constraint as read: ``kind`` is "all", "ranges", "univers" or "unreadable"."""

    kind: str
    text: str = ""
    intervals: tuple[Interval, ...] = ()
    excluded: tuple[VersionKey, ...] = ()
    univers_range: Any = None

    @property
    def readable(self) -> bool:
        return self.kind != "unreadable"

    @property
    def is_all(self) -> bool:
        return self.kind == "all"

    def contains(self, version: str) -> bool | None:
        """Whether ``version`` is inside; ``None`` when that cannot be known."""
        if self.kind == "all":
            return True
        if self.kind == "unreadable" or not version.strip():
            return None
        if self.kind == "univers":
            return _univers_contains(self.univers_range, version)
        key = version_key(version)
        if key is None:
            return None
        if key in self.excluded:
            return False
        return any(interval.contains(key) for interval in self.intervals)


ALL_VERSIONS = VersionSpec("all")


def _univers_contains(version_range: Any, version: str) -> bool | None:
    try:
        return bool(version_range.version_class(version.strip()) in version_range)
    except Exception:  # univers raises its own and plain errors for versions it cannot read
        return None


def _unreadable(text: str) -> VersionSpec:
    return VersionSpec("unreadable", text=text)


def _bound_key(text: str) -> tuple[VersionKey, bool] | None:
    """A bound's key and whether it is a wildcard prefix ("11.x", "12.2.x.x", "5.*")."""
    text = text.strip()
    segments = re.split(r"[.]", text)
    wildcard_tail = 0
    while len(segments) > 1 and _WILDCARD_SEGMENT.match(segments[-1]):
        segments.pop()
        wildcard_tail += 1
    head = ".".join(segments)
    if wildcard_tail:
        key = _raw_key(head)
        return (key, True) if key is not None else None
    key = version_key(text)
    return (key, False) if key is not None else None


def _raw_key(text: str) -> VersionKey | None:
    """Like ``version_key`` but keeps trailing zeros (a prefix "12.0.x" means 12.0.*)."""
    if version_key(text) is None:
        return None
    return tuple((1, int(r)) if r.isdigit() else (0, r) for r in _RUNS.findall(text.lower()))


def _exact(text: str) -> Interval | None:
    read = _bound_key(text)
    if read is None:
        return None
    key, prefix = read
    bound = Bound(key, True, prefix)
    return Interval(bound, bound)


_Part = tuple[str, Bound | Interval]


def _read_part(text: str) -> list[_Part] | None:
    """One ``|``-separated part: a list of ("lower"/"upper"/"interval"/"not", value)."""
    text = text.strip()
    if not text:
        return []
    if match := _COMPARATOR.match(text):
        operator, operand = match.groups()
        read = _bound_key(operand)
        if read is None:
            return None
        key, prefix = read
        if operator in {"<", "<="}:
            return [("upper", Bound(key, operator == "<=", prefix))]
        if operator in {">", ">="}:
            return [("lower", Bound(key, operator == ">=", prefix))]
        if operator == "!=":
            return [("not", Bound(key, True, prefix))]
        exact = _exact(operand)
        return [("interval", exact)] if exact else None
    if match := _BELOW.match(text):
        read = _bound_key(match.group(1))
        return [("upper", Bound(read[0], True, read[1]))] if read else None
    if match := _ABOVE.match(text):
        read = _bound_key(match.group(1))
        return [("lower", Bound(read[0], True, read[1]))] if read else None
    if match := _SPAN.match(text):
        low, operator, high = match.groups()
        low_read, high_read = _bound_key(low), _bound_key(high)
        if low_read is None or high_read is None:
            return None
        lower = Bound(low_read[0], True, low_read[1])
        upper = Bound(high_read[0], operator == "<=", high_read[1])
        return [("interval", Interval(lower, upper))]
    exact = _exact(text)
    if exact is not None:
        return [("interval", exact)]
    # "2131 and 2141", "3.0 or 3.1", "(Release 1.3.2 1.4.0 1.4.1)": a list of plain versions.
    inner = text.strip("()").strip()
    inner = re.sub(r"^(?:release|version|versions)\s+", "", inner, flags=re.IGNORECASE)
    pieces = [p for p in re.split(r"\s*(?:,|/|\band\b|\bor\b|\s)\s*", inner) if p]
    if len(pieces) > 1:
        intervals = [_exact(p) for p in pieces]
        if all(intervals):
            return [("interval", i) for i in intervals if i]
    return None


def _pair(parts: list[_Part]) -> tuple[tuple[Interval, ...], tuple[VersionKey, ...]]:
    """Pair lower and upper bounds into ranges, in the order written (as ``vers`` does)."""
    intervals: list[Interval] = []
    excluded: list[VersionKey] = []
    pending_lower: Bound | None = None
    for kind, value in parts:
        if kind == "lower":
            if pending_lower is not None:
                intervals.append(Interval(pending_lower, None))
            assert isinstance(value, Bound)
            pending_lower = value
        elif kind == "upper":
            assert isinstance(value, Bound)
            intervals.append(Interval(pending_lower, value))
            pending_lower = None
        elif kind == "not":
            assert isinstance(value, Bound)
            excluded.append(value.key)
        else:
            assert isinstance(value, Interval)
            intervals.append(value)
    if pending_lower is not None:
        intervals.append(Interval(pending_lower, None))
    return tuple(intervals), tuple(excluded)


def _read_vers(text: str) -> VersionSpec:
    scheme_and_rest = text[len("vers:") :]
    scheme, sep, constraints = scheme_and_rest.partition("/")
    scheme = scheme.strip().lower()
    if not sep or not scheme:
        return _unreadable(text)
    if constraints.strip() == "*":
        return VersionSpec("all", text=text)
    if scheme not in _UNIVERS_SKIP:
        try:
            from univers.version_range import VersionRange

            version_range = VersionRange.from_string(text.replace(" ", ""))
        except Exception:  # univers raises many kinds of errors for text it cannot read
            version_range = None
        if version_range is not None:
            return VersionSpec("univers", text=text, univers_range=version_range)
    return _read_plain(constraints, text)


def _read_plain(constraints: str, original: str) -> VersionSpec:
    parts: list[_Part] = []
    for piece in constraints.split("|"):
        read = _read_part(piece)
        if read is None:
            return _unreadable(original)
        parts.extend(read)
    intervals, excluded = _pair(parts)
    if not intervals and not excluded:
        return _unreadable(original)
    if not intervals:  # only exclusions: every version but those
        intervals = (Interval(None, None),)
    return VersionSpec("ranges", text=original, intervals=intervals, excluded=excluded)


@lru_cache(maxsize=65536)
def parse_constraint(text: str) -> VersionSpec:
    """Read a constraint text; never raises (an unreadable text gives an "unreadable" spec)."""
    if not isinstance(text, str):
        return _unreadable(str(text))
    stripped = " ".join(text.split())
    if stripped.lower() in _ALL:
        return ALL_VERSIONS
    if len(stripped) > MAX_CONSTRAINT_LENGTH or "\x00" in stripped:
        return _unreadable(text)
    try:
        if stripped.lower().startswith("vers:"):
            return _read_vers(stripped)
        return _read_plain(stripped, text)
    except (ValueError, RecursionError):  # a guard: reading must never fail the matching run
        return _unreadable(text)


def constraint_for(
    versions: str, cpe_version: str = "", purl_version: str = "", fixed_in: str = ""
) -> str:
    """The constraint a product states: its ``versions`` text, else the version in its CPE or
    purl, else "below the fixed version"."""
    if versions.strip():
        return versions
    for candidate in (cpe_version, purl_version):
        if candidate and candidate not in {"*", "-"}:
            return candidate
    if fixed_in.strip():
        return f"< {fixed_in.strip()}"
    return ""
