"""Every API error is an RFC 9457 problem document: type, title, status, detail (and errors)."""

import json
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from siaga.core.testing import api_client_for

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status, slug):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == f"urn:siaga:problem:{slug}"
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def test_no_credentials_is_401_with_a_bearer_challenge(db):
    response = Client().get("/api/v1/me")
    assert_problem(response, 401, "not-authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_object_is_404_without_naming_the_model(personas):
    response = api_client_for(personas.cert_admin).get("/api/v1/organizations/999999")
    body = assert_problem(response, 404, "not-found")
    assert "Organization" not in body["detail"]


def test_unknown_address_under_the_api_is_a_404_problem(personas):
    assert_problem(
        api_client_for(personas.cert_admin).get("/api/v1/no-such-thing"), 404, "not-found"
    )


def test_wrong_method_is_a_405_problem_with_allow(personas):
    response = api_client_for(personas.cert_admin).put(
        "/api/v1/me", {}, content_type="application/json"
    )
    assert_problem(response, 405, "method-not-allowed")
    assert "PATCH" in response["Allow"]


def test_bad_query_value_is_422_with_field_errors(personas):
    response = api_client_for(personas.cert_admin).get(
        "/api/v1/organizations?limit=abc&kind=castle"
    )
    body = assert_problem(response, 422, "validation-error")
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"limit", "kind"}
    assert all(error["message"] for error in body["errors"])


def test_bad_body_field_is_named_by_its_dotted_path(personas):
    client = api_client_for(personas.cert_admin)
    response = client.post(
        "/api/v1/organizations",
        {"name": "", "kind": "cert", "extra": 1},
        content_type="application/json",
    )
    body = assert_problem(response, 422, "validation-error")
    assert {error["field"] for error in body["errors"]} == {"name", "extra"}


def test_validation_error_of_an_action_keeps_its_field_messages(personas):
    client = api_client_for(personas.cert_admin)
    # A hospital needs a constituent type: the model's clean() says so, through the action.
    response = client.post(
        "/api/v1/organizations",
        {"name": "New Hospital", "kind": "constituent"},
        content_type="application/json",
    )
    body = assert_problem(response, 422, "validation-error")
    assert [error["field"] for error in body["errors"]] == ["constituent_type"]


def test_non_field_validation_error_becomes_the_detail(personas):
    client = api_client_for(personas.cert_admin)
    with mock.patch(
        "siaga.organizations.api.actions.access_organization",
        side_effect=ValidationError("Closed."),
    ):
        body = assert_problem(
            client.get(f"/api/v1/organizations/{personas.orgs.cert.pk}"), 422, "validation-error"
        )
    assert body["detail"] == "Closed."
    assert body["errors"] == []


def test_permission_denied_by_an_action_is_403(personas):
    client = api_client_for(personas.constituent_reporter)
    response = client.post(
        "/api/v1/organizations", {"name": "Mine", "kind": "cert"}, content_type="application/json"
    )
    assert_problem(response, 403, "permission-denied")


def test_malformed_json_is_400(personas):
    client = api_client_for(personas.cert_admin)
    response = client.post("/api/v1/organizations", "{not json", content_type="application/json")
    assert_problem(response, 400, "bad-request")


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "x", "kind": "cert", "is_active": NaN}',
        '{"name": 1e999}',
        '{"name": 99999999999999999999}',
        '{"name": "a\\u0000b", "kind": "cert"}',
        '{"name": "\\ud800", "kind": "cert"}',
        b'{"name": "\xff", "kind": "cert"}',
    ],
)
def test_json_the_database_cannot_store_is_refused(personas, body):
    client = api_client_for(personas.cert_admin)
    assert_problem(
        client.post("/api/v1/organizations", body, content_type="application/json"),
        400,
        "bad-request",
    )


def test_unexpected_error_is_500_without_internals(personas):
    client = api_client_for(personas.cert_admin)
    with mock.patch(
        "siaga.organizations.api.actions.access_organization",
        side_effect=RuntimeError("db password is hunter2"),
    ):
        response = client.get(f"/api/v1/organizations/{personas.orgs.cert.pk}")
    body = assert_problem(response, 500, "server-error")
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in body["detail"]


def test_problem_titles_follow_the_request_language(personas):
    response = api_client_for(personas.cert_admin).get(
        "/api/v1/organizations/999999", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["title"] == "Not found"


def test_multipart_without_a_boundary_is_400_not_500(personas):
    client = api_client_for(personas.cert_analyst)
    response = client.post(
        "/api/v1/stix/imports?organization=1&tlp=clear&distribution=organization",
        data=b"{}",
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_request_django_refuses_before_the_api_is_a_400_problem_under_the_api(db):
    """An empty Host header is refused by Django itself (before any view): still a problem
    document under /api/, the usual page elsewhere (found by the API fuzzer)."""
    response = Client().post(
        "/api/v1/constituents/1/network-assets",
        data=b"\x00",
        content_type="application/json",
        HTTP_HOST="",
    )
    assert_problem(response, 400, "bad-request")
    page = Client().get("/incidents/", HTTP_HOST="")
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")


def test_an_unhandled_error_under_the_api_is_a_500_problem(rf):
    from siaga.core.views import server_error

    response = server_error(rf.get("/api/v1/me"))
    assert response.status_code == 500 and response["Content-Type"] == PROBLEM
    assert json.loads(response.content)["type"] == "urn:siaga:problem:server-error"
    page = server_error(rf.get("/incidents/"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
