"""File names: the uploader's name is kept for display; the name offered on download is safe."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siaga.evidence.validation import MAX_NAME_LENGTH, displayable, sanitize_filename


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\admin\\malware.exe", "malware.exe"),
        ("/absolute/path/log.txt", "log.txt"),
        (".htaccess", "htaccess"),
        ("...", "evidence"),
        ("", "evidence"),
        ("a..b....c", "a.b.c"),
        ("new\nline\x00.txt", "newline.txt"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ("\uff0e\uff0e\uff0fsecret.txt", "secret.txt"),  # fullwidth "../" folded, then removed
        ("what?<x>.txt", "what__x_.txt"),
        ("CON.txt", "_CON.txt"),
        ("trailing. ", "trailing"),
        ("Laporan Insiden RSUD.docx", "Laporan Insiden RSUD.docx"),
    ],
)
def test_sanitize_filename(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


def test_long_names_keep_their_extension() -> None:
    name = sanitize_filename("x" * 400 + ".pcapng")
    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith(".pcapng")


def test_decomposed_unicode_is_normalised() -> None:
    assert sanitize_filename("cafe\u0301.txt") == "café.txt"


@given(st.text(max_size=600))
def test_any_name_becomes_one_safe_component(name: str) -> None:
    safe = sanitize_filename(name)
    assert safe
    assert len(safe) <= MAX_NAME_LENGTH
    assert "/" not in safe and "\\" not in safe
    assert ".." not in safe
    assert not safe.startswith(".")
    assert all(unicodedata.category(ch) not in {"Cc", "Cf", "Cs"} for ch in safe)
    assert sanitize_filename(safe) == safe  # stable


@given(st.text(max_size=600))
def test_display_names_are_storable(name: str) -> None:
    shown = displayable(name, 255)
    assert len(shown) <= 255
    assert "\x00" not in shown
    shown.encode("utf-8")  # no lone surrogates
