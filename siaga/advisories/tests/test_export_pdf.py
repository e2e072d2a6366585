"""The bilingual PDF of a revision: it opens, has a sensible number of pages, carries both
titles and the TLP label in its text, page 1 is not blank, and nothing is fetched from outside."""

from __future__ import annotations

import struct
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from siaga.advisories.exports.pdf import advisory_pdf, logo_data_url, pdf_filename, url_fetcher
from siaga.advisories.tests.builders import make_advisory, publish
from siaga.core.testing import Orgs
from siaga.sharing.choices import TLP

pytestmark = pytest.mark.django_db

CVE = {
    "cve_id": "CVE-2024-12345",
    "cvss3_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "cvss3_score": Decimal("9.8"),
    "cvss3_severity": "critical",
}
PRODUCT = {
    "vendor": "Baxter",
    "product": "Sigma Spectrum",
    "versions": "<= 8.00.01",
    "fixed_in": "8.00.02",
}


def _png(path: Path, size: int = 8) -> Path:
    """A small solid-blue PNG written by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x00\x00\xff" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


def _text(pdf: pdfium.PdfDocument) -> str:
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


@pytest.mark.parametrize("tlp", [TLP.CLEAR, TLP.AMBER_STRICT, TLP.RED])
def test_pdf_opens_with_both_languages_and_tlp(
    orgs: Orgs, tlp: str, settings: Any, tmp_path: Path
) -> None:
    settings.SIAGA_ADVISORY_LETTERHEAD = {
        "organization": "Pusat CSIRT Kesehatan",
        "address_lines": ["Jl. H.R. Rasuna Said Blok X5, Jakarta 12950", "csirt@kemkes.example"],
        "logo": str(_png(tmp_path / "logo.png")),
    }
    advisory = make_advisory(orgs.cert, tlp=tlp, cves=[CVE], products=[PRODUCT])
    revision = publish(advisory)
    content = advisory_pdf(revision)
    assert content.startswith(b"%PDF-")

    pdf = pdfium.PdfDocument(content)
    assert 2 <= len(pdf) <= 6  # Indonesian, then English on a new page
    text = _text(pdf)
    assert "Kerentanan pada pompa infus" in text
    assert "Vulnerability in infusion pumps" in text
    label = TLP(tlp).label
    # On every page, in the header.
    for i in range(len(pdf)):
        assert label in pdf[i].get_textpage().get_text_range()
    assert "Pusat CSIRT Kesehatan" in text
    assert "Jakarta 12950" in text
    assert "CVE-2024-12345" in text
    assert "Sigma Spectrum" in text
    assert "Update the software." in text
    assert "Perbarui perangkat lunak." in text

    image = pdf[0].render(scale=0.5).to_pil().convert("L")
    low, high = image.getextrema()
    assert low < 128 < high  # ink on paper, not a blank page
    # Mostly paper, some ink.
    histogram = image.histogram()
    dark = sum(histogram[:128])
    assert 0 < dark < 0.5 * sum(histogram)


def test_pdf_without_logo_and_long_texts(orgs: Orgs, settings: Any) -> None:
    settings.SIAGA_ADVISORY_LETTERHEAD = {"organization": "", "address_lines": [], "logo": ""}
    advisory = make_advisory(
        orgs.cert, description_en="Long text. " * 800, description_id="Teks panjang. " * 800
    )
    pdf = pdfium.PdfDocument(advisory_pdf(publish(advisory)))
    assert 3 <= len(pdf) <= 20
    assert "Test CERT" in _text(pdf)  # the issuer stands in for a missing organization


def test_remote_and_local_urls_are_never_fetched(orgs: Orgs, settings: Any, tmp_path: Path) -> None:
    fetcher = url_fetcher()
    for url in ("http://example.org/logo.png", "https://example.org/x.css", f"file://{tmp_path}"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)
    # A reference written by an author is text in the PDF, never a fetched resource.
    advisory = make_advisory(
        orgs.cert, references=[{"url": "http://192.0.2.1/track.png", "summary": ""}]
    )
    text = _text(pdfium.PdfDocument(advisory_pdf(publish(advisory))))
    assert "http://192.0.2.1/track.png" in text


def test_logo_checks(tmp_path: Path) -> None:
    assert logo_data_url("") == ""
    assert logo_data_url(str(tmp_path / "missing.png")) == ""
    script = tmp_path / "logo.html"
    script.write_text("<script></script>")
    assert logo_data_url(str(script)) == ""
    assert logo_data_url(str(_png(tmp_path / "ok.png"))).startswith("data:image/png;base64,")


def test_pdf_filename(orgs: Orgs) -> None:
    revision = publish(make_advisory(orgs.cert, tracking_id="SIAGA-ADV-2026-0042"))
    assert pdf_filename(revision) == "SIAGA-ADV-2026-0042-v1.pdf"
