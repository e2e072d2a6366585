"""CPE 2.3 formatted strings (NISTIR 7695, section 6.2): a strict parser.

``cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other``

A component is ``*`` (any), ``-`` (not applicable) or a value made of letters, digits, ``-``, ``.``
and ``_``, other printable punctuation escaped with ``\\``, and the wildcards ``?`` (one or more, at
either end) or ``*`` (once, at either end). Components are returned as written (escapes kept), which
is how the NVD stores them; vulnerability matching compares them in that form.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

PREFIX = "cpe:2.3:"
COMPONENTS = (
    "part",
    "vendor",
    "product",
    "version",
    "update",
    "edition",
    "language",
    "sw_edition",
    "target_sw",
    "target_hw",
    "other",
)
PARTS = frozenset({"a", "o", "h"})
MAX_LENGTH = 1000

_QUOTED = r"\\[\\*?!\"#$%&'()+,/:;<=>@\[\]^`{|}~]"
_BODY = rf"(?:[A-Za-z0-9._-]|{_QUOTED})+"
# Wildcards only at either end: "?" one or more times, "*" once.
_VALUE = re.compile(rf"(?:\?+|\*)?{_BODY}(?:\?+|\*)?")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:\\?-(?:[A-Za-z]{2}|[0-9]{3}))?")
_LOGICAL = frozenset({"*", "-"})


class CpeError(ValueError):
    """The text is not a CPE 2.3 formatted string; the message says why."""


def split_unescaped(text: str, separator: str = ":") -> list[str]:
    """Split on the separators not preceded by an escaping backslash."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            following = next(chars, None)
            if following is None:
                raise CpeError(_("A backslash at the end escapes nothing."))
            current.append(char + following)
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _check_component(name: str, value: str) -> None:
    if value in _LOGICAL:
        return
    if not value:
        raise CpeError(
            _("The %(name)s component is empty; use * for any or - for none.") % {"name": name}
        )
    pattern = _LANGUAGE if name == "language" else _VALUE
    if not pattern.fullmatch(value):
        raise CpeError(
            _("The %(name)s component %(value)s holds characters a CPE does not allow unescaped.")
            % {"name": name, "value": repr(value)}
        )


def parse_cpe23(text: str) -> dict[str, str]:
    """The eleven named components of a CPE 2.3 formatted string; ``CpeError`` if it is not one."""
    if not isinstance(text, str):
        raise CpeError(_("A CPE is a text."))
    if len(text) > MAX_LENGTH:
        raise CpeError(_("A CPE is at most %(max)s characters long.") % {"max": MAX_LENGTH})
    if not text.startswith(PREFIX):
        raise CpeError(_("A CPE 2.3 name starts with cpe:2.3:"))
    values = split_unescaped(text[len(PREFIX) :])
    if len(values) != len(COMPONENTS):
        raise CpeError(
            _("A CPE 2.3 name has %(expected)s components after cpe:2.3:, not %(count)s.")
            % {"expected": len(COMPONENTS), "count": len(values)}
        )
    components = dict(zip(COMPONENTS, values, strict=True))
    if components["part"] not in PARTS:
        raise CpeError(_("The part is a (application), o (operating system) or h (hardware)."))
    for name, value in components.items():
        _check_component(name, value)
    return components
