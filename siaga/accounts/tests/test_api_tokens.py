"""API tokens: list, create (the secret shown once), revoke; who may see and revoke which."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siaga.accounts.models import ApiToken, hash_token
from siaga.core.testing import api_client_for, login, make_token

pytestmark = pytest.mark.django_db


def create(client, **data):
    return client.post("/api/v1/tokens", data, content_type="application/json")


def test_creating_a_token_returns_the_secret_once(personas, client):
    login(client, personas.cert_analyst)
    response = create(client, name="SIEM export", scope="read", expires_in_days=30)
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("siaga_")
    assert body["token"].startswith(body["prefix"])
    assert body["scope"] == "read"
    assert body["status"] == "active"
    assert body["user"]["id"] == personas.cert_analyst.pk
    token = ApiToken.objects.get(pk=body["id"])
    assert token.key_hash == hash_token(body["token"])  # only the hash is kept
    listed = client.get("/api/v1/tokens").json()["results"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert "token" not in listed[0]


def test_the_new_token_works(personas, client):
    login(client, personas.cert_analyst)
    raw = create(client, name="script", scope="read").json()["token"]
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 200


def test_a_read_write_token_may_create_a_token_that_does_not_outlive_it(personas):
    raw = make_token(personas.cert_analyst, expires_at=timezone.now() + timedelta(days=10))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert create(client, name="short", expires_in_days=5).status_code == 201
    response = create(client, name="forever")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expires_in_days"
    assert create(client, name="longer", expires_in_days=11).status_code == 422


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "x", "scope": "admin"}, "scope"),
        ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "expires_in_days": 367}, "expires_in_days"),
        ({"scope": "read"}, "name"),
    ],
)
def test_bad_token_requests_are_422(personas, data, field):
    response = create(api_client_for(personas.cert_analyst), **data)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_each_user_lists_only_their_own_tokens(personas):
    make_token(personas.constituent_reporter)
    results = api_client_for(personas.cert_analyst).get("/api/v1/tokens").json()["results"]
    assert {item["user"]["id"] for item in results} == {personas.cert_analyst.pk}


def test_an_administrator_lists_everyones_tokens_and_filters_them(personas):
    make_token(personas.constituent_reporter)
    make_token(personas.constituent_reporter, revoked_at=timezone.now())
    client = api_client_for(personas.cert_admin)
    assert client.get("/api/v1/tokens").json()["count"] == 3
    mine = client.get(
        f"/api/v1/tokens?user_id={personas.constituent_reporter.pk}&status=active"
    ).json()
    assert mine["count"] == 1
    assert mine["results"][0]["status"] == "active"
    assert client.get("/api/v1/tokens?status=revoked").json()["count"] == 1


def test_revoking_a_token_stops_it(personas):
    raw = make_token(personas.cert_analyst)
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    response = api_client_for(personas.cert_analyst).delete(f"/api/v1/tokens/{token.pk}")
    assert response.status_code == 204
    assert response.content == b""
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 401


def test_someone_elses_token_is_404(personas):
    raw = make_token(personas.constituent_reporter)
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    response = api_client_for(personas.cert_analyst).delete(f"/api/v1/tokens/{token.pk}")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_administrator_revokes_a_leaked_token(personas):
    raw = make_token(personas.constituent_reporter)
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert (
        api_client_for(personas.cert_admin).delete(f"/api/v1/tokens/{token.pk}").status_code == 204
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
