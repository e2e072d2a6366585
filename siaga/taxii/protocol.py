"""The TAXII 2.1 wire format: media types, error message resources, timestamps and responses.

Every TAXII response, errors included, is ``application/taxii+json;version=2.1``; an error is a
TAXII error message resource (``title``, ``description``, ``http_status``) so that the OASIS client
and other TAXII clients can show the reason, not only the code.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024
DEFAULT_MAX_PAGE_SIZE = 1000

# What a client may send in Accept and still get TAXII 2.1 back: the type itself, the type without
# a version (the spec: "the latest version the server supports"), and wildcards (browsers, curl).
_ACCEPTABLE = {
    "application/taxii+json;version=2.1",
    "application/taxii+json",
    "application/*",
    "*/*",
}
_POSTABLE = {"application/taxii+json;version=2.1", "application/taxii+json"}


class TaxiiError(Exception):
    """A refusal that becomes a TAXII error message resource with this HTTP status."""

    def __init__(
        self, http_status: int, title: str, description: str = "", headers: dict | None = None
    ) -> None:
        super().__init__(title)
        self.http_status = http_status
        self.title = title
        self.description = description
        self.headers = headers or {}


def max_content_length() -> int:
    return int(getattr(settings, "SIAGA_TAXII_MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH))


def max_page_size() -> int:
    return int(getattr(settings, "SIAGA_TAXII_MAX_PAGE_SIZE", DEFAULT_MAX_PAGE_SIZE))


def _normalize_media_type(value: str) -> str:
    # "application/taxii+json; version=2.1; q=0.9" → "application/taxii+json;version=2.1"
    parts = [part.strip().lower() for part in value.split(";")]
    parameters = [part.replace(" ", "") for part in parts[1:] if part and not part.startswith("q=")]
    return ";".join([parts[0], *parameters])


def check_accept(request: HttpRequest) -> None:
    """406 unless the client accepts TAXII 2.1 (no Accept header means anything goes)."""
    header = request.headers.get("Accept", "").strip()
    if not header:
        return
    offered = {_normalize_media_type(item) for item in header.split(",") if item.strip()}
    if offered & _ACCEPTABLE:
        return
    raise TaxiiError(
        406,
        _("Not acceptable"),
        _("This server sends only %(type)s; send it in the Accept header.")
        % {"type": TAXII_MEDIA_TYPE},
    )


def check_content_type(request: HttpRequest) -> None:
    """415 unless a POST body is TAXII 2.1 JSON."""
    content_type = _normalize_media_type(request.headers.get("Content-Type", ""))
    if content_type not in _POSTABLE:
        raise TaxiiError(
            415,
            _("Unsupported media type"),
            _("Send the envelope as %(type)s.") % {"type": TAXII_MEDIA_TYPE},
        )


def read_body(request: HttpRequest) -> bytes:
    """The request body, refused with 413 above the advertised ``max_content_length``.

    Read from the stream rather than ``request.body``: Django's own (smaller) upload limit would
    otherwise turn a body the API root allows into a server error.
    """
    limit = max_content_length()
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > limit:
        raise _too_large(limit)
    body = request.read(limit + 1)
    if len(body) > limit:
        raise _too_large(limit)
    return body


def _too_large(limit: int) -> TaxiiError:
    return TaxiiError(
        413,
        _("Request too large"),
        _("The body may be at most %(limit)d bytes (max_content_length).") % {"limit": limit},
    )


def format_timestamp(value: datetime) -> str:
    """A TAXII timestamp: UTC, microseconds, ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(value: str, parameter: str) -> datetime:
    """A client's timestamp; 400 naming the parameter when it is not RFC 3339."""
    parsed = None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise TaxiiError(
            400,
            _("Bad timestamp"),
            _("%(parameter)s must be a timestamp such as 2026-11-30T08:15:00.000000Z.")
            % {"parameter": parameter},
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def taxii_response(
    data: Any = None, *, status: int = 200, text: str | None = None, headers: dict | None = None
) -> HttpResponse:
    """A TAXII response from a JSON-able value, or from JSON ``text`` already assembled."""
    body = text if text is not None else json.dumps(data, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type=TAXII_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: TaxiiError) -> HttpResponse:
    payload = {
        "title": error.title,
        "description": error.description,
        "http_status": str(error.http_status),
    }
    return taxii_response(payload, status=error.http_status, headers=error.headers)
