"""Personal API tokens: shown once, stored as a hash, revocable only by their owner."""

from __future__ import annotations

from django.urls import reverse

from siaga.accounts.models import ApiToken, hash_token
from siaga.core.testing import login, make_token

TOKENS = reverse("accounts:tokens")


def revoke_url(token: ApiToken) -> str:
    return reverse("accounts:token-revoke", args=[token.pk])


def test_creating_a_token_shows_it_once_and_stores_only_its_hash(client, personas):
    user = personas.constituent_reporter
    login(client, user)
    response = client.post(TOKENS, {"name": "SIEM export", "scope": "read", "expires_in_days": 30})
    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw.startswith("siaga_")
    assert raw in response.text
    assert "no-store" in response["Cache-Control"]

    token = ApiToken.objects.get(user=user)
    assert (token.name, token.scope) == ("SIEM export", "read")
    assert token.key_hash == hash_token(raw)
    assert raw not in {token.key_hash, token.prefix, token.name}
    assert raw.startswith(token.prefix)
    assert token.expires_at is not None

    listing = client.get(TOKENS)
    assert raw not in listing.text
    assert token.prefix in listing.text


def test_bad_input_is_refused_and_nothing_is_created(client, personas):
    login(client, personas.constituent_reporter)
    for data in (
        {"name": "", "scope": "read", "expires_in_days": 30},
        {"name": "x", "scope": "admin", "expires_in_days": 30},
        {"name": "x", "scope": "read", "expires_in_days": 0},
        {"name": "x", "scope": "read", "expires_in_days": 10_000},
    ):
        response = client.post(TOKENS, data)
        assert response.status_code == 400
        assert response.context["form"].errors
        assert "raw_token" not in response.context
    assert not ApiToken.objects.exists()


def test_owner_revokes_a_token(client, personas):
    user = personas.constituent_reporter
    make_token(user)
    token = ApiToken.objects.get(user=user)
    login(client, user)
    response = client.post(revoke_url(token))
    assert response.status_code == 302
    assert response["Location"] == TOKENS
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.status == "revoked"


def test_revoking_needs_a_post(client, personas):
    make_token(personas.constituent_reporter)
    token = ApiToken.objects.get()
    login(client, personas.constituent_reporter)
    assert client.get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_other_users_tokens_are_neither_listed_nor_revocable(client, personas):
    make_token(personas.other_reporter)
    theirs = ApiToken.objects.get(user=personas.other_reporter)
    theirs.name = "their secret integration"
    theirs.save()
    for visitor in (personas.constituent_reporter, personas.cert_admin):
        login(client, visitor)
        listing = client.get(TOKENS)
        assert list(listing.context["tokens"]) == []
        assert "their secret integration" not in listing.text
        assert client.post(revoke_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_tokens_page_needs_a_signed_in_user(client, db):
    assert client.get(TOKENS).status_code == 302
