"""Advice per finding: both languages, identifiers before types before taxonomies."""

from __future__ import annotations

import pytest

from siaga.digests.advice import GENERAL, IDENTIFIERS, TAXONOMIES, TYPES, advice_for

NAMED = [
    "open-rdp",
    "accessible-rdp",
    "open-smb",
    "open-telnet",
    "openresolver",
    "dns",
    "ntp",
    "memcached",
    "elasticsearch",
    "mongodb",
    "vulnerable-http",
    "infected-system",
    "botnet",
]


@pytest.mark.parametrize("identifier", NAMED)
def test_common_identifiers_have_their_own_advice_in_both_languages(identifier):
    indonesian = advice_for("other", identifier, "id")
    english = advice_for("other", identifier, "en")
    assert indonesian != GENERAL["id"] and english != GENERAL["en"]
    assert all(indonesian) and all(english)
    assert indonesian.explanation != english.explanation


def test_every_text_has_both_languages_filled():
    for texts in [*IDENTIFIERS.values(), *TYPES.values(), *TAXONOMIES.values(), GENERAL]:
        assert set(texts) == {"id", "en"}
        assert all(part.strip() for advice in texts.values() for part in advice)


def test_the_most_specific_text_wins_and_falls_back():
    assert advice_for("vulnerable-system", "accessible-rdp-v2", "en").title.startswith("Remote")
    assert advice_for("c2-server", "unknown-thing", "en").title == TYPES["c2-server"]["en"].title
    assert advice_for("x", "", "en", taxonomy="intrusions") == TAXONOMIES["intrusions"]["en"]
    assert advice_for("x", "y", "en") == GENERAL["en"]
    # Any other language reads Bahasa Indonesia, the CERT's own.
    assert advice_for("x", "y", "fr") == GENERAL["id"]
