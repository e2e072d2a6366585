"""The bilingual PDF of an advisory revision: Bahasa Indonesia first, then English, on a
configurable letterhead (``SIAGA_ADVISORY_LETTERHEAD``: organization, address lines, optional
logo file), with the TLP marking in the header of every page in the TLP 2.0 colours.

WeasyPrint renders the template ``advisories/pdf/advisory.html``. Nothing is fetched while
rendering: the logo is read from disk here and embedded as a ``data:`` URL, and the URL fetcher
allows the ``data`` scheme only, so neither ``http(s)`` nor ``file`` addresses (e.g. in a
reference written by an author) can make the server reach out or read a local file.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from siaga.advisories.exports.public import revision_context
from siaga.advisories.models import AdvisoryRevision
from siaga.sharing.choices import TLP

if TYPE_CHECKING:
    from weasyprint import URLFetcher

logger = logging.getLogger(__name__)

MAX_LOGO_BYTES = 2 * 1024 * 1024
LOGO_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/svg+xml"})
# FIRST TLP 2.0 colours: (text, background).
TLP_COLOURS = {
    TLP.CLEAR: ("#FFFFFF", "#000000"),
    TLP.GREEN: ("#33FF00", "#000000"),
    TLP.AMBER: ("#FFC000", "#000000"),
    TLP.AMBER_STRICT: ("#FFC000", "#000000"),
    TLP.RED: ("#FF2B2B", "#000000"),
}


def url_fetcher() -> URLFetcher:
    """A fetcher that refuses everything but inline ``data:`` URLs."""
    # Imported here: importing WeasyPrint parses its stylesheets (slow, and logs).
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def logo_data_url(path: str) -> str:
    """The logo file as a ``data:`` URL, or "" when none is configured or it cannot be used."""
    if not path:
        return ""
    file = Path(path)
    kind = mimetypes.guess_type(file.name)[0] or ""
    if kind not in LOGO_TYPES:
        logger.warning("Letterhead logo %s is not a PNG, JPEG, GIF or SVG image; left out.", path)
        return ""
    try:
        if file.stat().st_size > MAX_LOGO_BYTES:
            logger.warning(
                "Letterhead logo %s is larger than %d bytes; left out.", path, MAX_LOGO_BYTES
            )
            return ""
        data = file.read_bytes()
    except OSError as exc:
        logger.warning("Letterhead logo %s cannot be read (%s); left out.", path, exc)
        return ""
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def pdf_context(revision: AdvisoryRevision) -> dict[str, Any]:
    content = revision.content
    tlp = TLP(content["tlp"])
    foreground, background = TLP_COLOURS[tlp]
    letterhead = settings.SIAGA_ADVISORY_LETTERHEAD
    sections = []
    for language in ("id", "en"):
        with translation.override(language):
            context = revision_context(revision, language)
            # Render the labels in the section's language while it is active.
            context["kind_label"] = str(context["kind_label"])
            context["severity_label"] = str(context["severity_label"])
            sections.append(context)
    return {
        "content": content,
        "revision": revision,
        "sections": sections,
        "tlp_label": tlp.label,
        "tlp_foreground": foreground,
        "tlp_background": background,
        "letterhead": {
            "organization": letterhead.get("organization") or content.get("issuer", ""),
            "address_lines": list(letterhead.get("address_lines") or []),
            "logo": logo_data_url(str(letterhead.get("logo") or "")),
        },
    }


def advisory_pdf(revision: AdvisoryRevision) -> bytes:
    """The PDF of ``revision``, both languages."""
    from weasyprint import HTML

    html = render_to_string("advisories/pdf/advisory.html", pdf_context(revision))
    document = HTML(string=html, base_url="data:,", url_fetcher=url_fetcher())
    return bytes(document.write_pdf())


def pdf_filename(revision: AdvisoryRevision) -> str:
    tracking = "".join(
        c if c.isalnum() or c in "-_" else "_" for c in revision.advisory.tracking_id
    )
    return f"{tracking}-v{revision.version}.pdf"
