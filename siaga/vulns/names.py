"""Vendor and product names reduced to a key, so that "Philips Healthcare, Inc." in an advisory
and "philips healthcare" in a hospital's inventory meet.

The key is what matching compares; the original spelling is always kept beside it for display.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")
# Legal-form words that vendors add or drop at will; removed only at the end of a vendor name.
_LEGAL_FORMS = frozenset(
    {
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "ltd",
        "limited",
        "llc",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "bv",
        "nv",
        "ab",
        "oy",
        "spa",
        "srl",
        "kk",
        "pt",
        "tbk",
        "company",
    }
)


def name_key(text: str) -> str:
    """Lower case, accents and punctuation gone, words separated by one space."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub(" ", folded.lower()).strip()


def vendor_key(text: str) -> str:
    """``name_key`` without trailing legal forms: "Siemens AG" and "Siemens" are one vendor."""
    words = name_key(text).split()
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    return " ".join(words)
