"""Who may call the API: bearer tokens (read or read-write) and browser sessions (CSRF, 2FA)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siaga.accounts.models import ApiToken
from siaga.audit.models import AuditEntry
from siaga.core.testing import api_client_for, login, make_token

pytestmark = pytest.mark.django_db

PATCH_ME = {
    "path": "/api/v1/me",
    "data": {"phone": "+62 21 555"},
    "content_type": "application/json",
}


def problem_type(response):
    return response.json()["type"].rsplit(":", 1)[-1]


def bearer(raw):
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_valid_token_authenticates_and_records_its_use(personas):
    raw = make_token(personas.cert_analyst)
    response = bearer(raw).get("/api/v1/me", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert response.json()["email"] == "analyst@cert.test"
    token = ApiToken.objects.get(user=personas.cert_analyst)
    assert token.last_used_at is not None
    assert token.last_used_ip == "10.1.2.3"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer siaga_not-a-real-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "Bearer x" * 50,
    ],
)
def test_unknown_or_malformed_tokens_are_401(db, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")
    assert response.status_code == 401
    assert problem_type(response) == "not-authenticated"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_an_expired_token_is_401(personas):
    raw = make_token(personas.cert_analyst, expires_at=timezone.now() - timedelta(minutes=1))
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_a_revoked_token_is_401(personas):
    raw = make_token(personas.cert_analyst, revoked_at=timezone.now())
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_a_token_of_a_deactivated_user_is_401(personas):
    raw = make_token(personas.cert_analyst)
    personas.cert_analyst.is_active = False
    personas.cert_analyst.save()
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_a_read_token_reads_but_cannot_write(personas):
    client = api_client_for(personas.cert_admin, "read")
    assert client.get("/api/v1/organizations").status_code == 200
    response = client.patch(**PATCH_ME)
    assert response.status_code == 403
    assert problem_type(response) == "read-only-token"
    response = client.post("/api/v1/tokens", {"name": "more"}, content_type="application/json")
    assert response.status_code == 403
    assert problem_type(response) == "read-only-token"
    assert ApiToken.objects.filter(user=personas.cert_admin).count() == 1


def test_a_read_write_token_writes_and_the_audit_trail_names_its_owner(personas):
    response = api_client_for(personas.cert_analyst).patch(**PATCH_ME)
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(object_type="accounts.user", action="update").latest("seq")
    assert entry.actor_id == personas.cert_analyst.pk
    assert entry.via == "api"


def test_a_token_wins_over_a_session(personas, client):
    login(client, personas.cert_admin)
    raw = make_token(personas.constituent_reporter)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.json()["email"] == "reporter@hospital.test"


def test_a_verified_session_reads_and_writes_with_csrf(personas, settings):
    client = login(Client(enforce_csrf_checks=True), personas.cert_analyst)
    assert client.get("/api/v1/me").status_code == 200
    secret = "a" * 32  # the shape of a CSRF secret, as the browser holds it in its cookie
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    response = client.patch(**PATCH_ME, HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 200, response.content


def test_a_session_write_without_csrf_is_403(personas):
    client = login(Client(enforce_csrf_checks=True), personas.cert_analyst)
    response = client.patch(**PATCH_ME)
    assert response.status_code == 403
    assert problem_type(response) == "csrf-failed"


def test_a_session_that_owes_its_second_factor_is_401(personas, client):
    login(client, personas.cert_analyst, verified=False)  # CERT staff must use a second factor
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert problem_type(response) == "two-factor-required"


def test_a_reporter_without_a_device_needs_no_second_factor(personas, client):
    login(client, personas.constituent_reporter, verified=False)
    assert client.get("/api/v1/me").status_code == 200


def test_the_openapi_document_and_docs_need_no_credentials(db):
    client = Client()
    assert client.get("/api/v1/openapi.json").status_code == 200
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    # Every asset is served by Siaga itself: no address of another host, no CDN. (Not a bare
    # "cdn" search: the page's random CSRF token can contain those three letters.)
    page = docs.content.lower()
    assert b'src="http' not in page and b'href="http' not in page
    assert b"//cdn" not in page and b"cdn." not in page
