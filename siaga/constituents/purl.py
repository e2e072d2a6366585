"""Package URLs (https://github.com/package-url/purl-spec): a strict small parser.

``pkg:type/namespace/name@version?qualifiers#subpath``. ``packageurl-python`` is not a dependency;
this follows the specification's parsing steps and refuses anything it cannot read unambiguously.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from django.utils.translation import gettext as _

MAX_LENGTH = 2000
_TYPE = re.compile(r"[A-Za-z.+-][A-Za-z0-9.+-]*")
_QUALIFIER_KEY = re.compile(r"[A-Za-z._-][A-Za-z0-9._-]*")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")


class PurlError(ValueError):
    """The text is not a valid package URL; the message says why."""


@dataclass(frozen=True)
class PackageURL:
    type: str
    namespace: str
    name: str
    version: str = ""
    qualifiers: dict[str, str] = field(default_factory=dict)
    subpath: str = ""

    def to_string(self) -> str:
        """The canonical form: lower-case type, sorted qualifiers, percent-encoded parts."""
        text = f"pkg:{self.type}/"
        if self.namespace:
            text += "/".join(_encode(s) for s in self.namespace.split("/")) + "/"
        text += _encode(self.name)
        if self.version:
            text += "@" + _encode(self.version, safe=":")
        if self.qualifiers:
            pairs = (f"{k}={_encode(v, safe=':/,')}" for k, v in sorted(self.qualifiers.items()))
            text += "?" + "&".join(pairs)
        if self.subpath:
            text += "#" + "/".join(_encode(s) for s in self.subpath.split("/"))
        return text


def _encode(value: str, safe: str = "") -> str:
    return quote(value, safe=safe + ".-_~")


def _decode(value: str, what: str) -> str:
    if _PERCENT.search(value):
        raise PurlError(
            _("The %(what)s holds a %% that does not start a %%XX escape.") % {"what": what}
        )
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError as exc:
        raise PurlError(
            _("The %(what)s holds escapes that are not UTF-8.") % {"what": what}
        ) from exc


def _segments(text: str, what: str) -> list[str]:
    segments = [_decode(s, what) for s in text.split("/") if s]
    for segment in segments:
        if "/" in segment:
            raise PurlError(_("A %(what)s segment cannot contain an encoded /.") % {"what": what})
        if segment in {".", ".."}:
            raise PurlError(_("A %(what)s segment cannot be . or ..") % {"what": what})
    return segments


def _qualifiers(text: str) -> dict[str, str]:
    qualifiers: dict[str, str] = {}
    for pair in text.split("&"):
        key, sep, value = pair.partition("=")
        if not sep:
            raise PurlError(_("Each qualifier is key=value."))
        key = key.lower()
        if not _QUALIFIER_KEY.fullmatch(key):
            raise PurlError(_("The qualifier key %(key)s is not valid.") % {"key": repr(key)})
        if key in qualifiers:
            raise PurlError(_("The qualifier %(key)s is given twice.") % {"key": repr(key)})
        decoded = _decode(value, "qualifier")
        if decoded:  # an empty value means the qualifier is absent
            qualifiers[key] = decoded
    return qualifiers


def parse_purl(text: str) -> PackageURL:
    """The parts of a package URL; ``PurlError`` if it is not one."""
    if not isinstance(text, str) or not text:
        raise PurlError(_("A package URL is a non-empty text."))
    if len(text) > MAX_LENGTH:
        raise PurlError(
            _("A package URL is at most %(max)s characters long.") % {"max": MAX_LENGTH}
        )
    if _FORBIDDEN.search(text):
        raise PurlError(_("A package URL cannot contain spaces or control characters."))
    remainder, _sep, subpath = text.partition("#")
    remainder, _sep, query = remainder.partition("?")
    scheme, sep, remainder = remainder.partition(":")
    if not sep or scheme.lower() != "pkg":
        raise PurlError(_("A package URL starts with pkg:"))
    remainder = remainder.strip("/")
    package_type, sep, remainder = remainder.partition("/")
    if not sep or not _TYPE.fullmatch(package_type):
        raise PurlError(_("A package URL names its type after pkg: (e.g. pkg:pypi/django)."))
    head, at, version = remainder.rpartition("@")
    if at:
        remainder = head
        version = _decode(version, "version")
        if not version:
            raise PurlError(_("The version after @ is empty."))
    else:
        version = ""
    namespace_text, _sep, name_text = remainder.strip("/").rpartition("/")
    name = _decode(name_text, "name")
    if not name or "/" in name:
        raise PurlError(_("A package URL needs a name."))
    namespace = _segments(namespace_text, "namespace")
    return PackageURL(
        type=package_type.lower(),
        namespace="/".join(namespace),
        name=name,
        version=version,
        qualifiers=_qualifiers(query) if query else {},
        subpath="/".join(_segments(subpath, "subpath")),
    )
