"""The TAXII 2.1 protocol around the data: discovery, API root, media types, credentials and every
refusal as a TAXII error message with the right status."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from siaga.core.testing import make_token
from siaga.taxii.protocol import TAXII_MEDIA_TYPE
from siaga.taxii.tests.helpers import (
    ROOT,
    Scenario,
    basic_password_client,
    make_stix,
    objects_url,
    taxii_client,
)

pytestmark = pytest.mark.django_db


def assert_taxii_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == TAXII_MEDIA_TYPE
    body = json.loads(response.content)
    assert body["http_status"] == str(status)
    assert body["title"]
    return body


def test_discovery_names_the_one_api_root(scenario: Scenario) -> None:
    response = taxii_client(scenario.personas.coord_member).get("/taxii2/")
    assert response.status_code == 200
    assert response["Content-Type"] == TAXII_MEDIA_TYPE
    body = response.json()
    assert body["default"] == f"http://testserver{ROOT}"
    assert body["api_roots"] == [f"http://testserver{ROOT}"]
    assert body["title"]


def test_api_root_advertises_version_and_max_content_length(
    scenario: Scenario, settings: object
) -> None:
    settings.SIAGA_TAXII_MAX_CONTENT_LENGTH = 1234  # type: ignore[attr-defined]
    body = taxii_client(scenario.personas.coord_member).get(ROOT).json()
    assert body["versions"] == [TAXII_MEDIA_TYPE]
    assert body["max_content_length"] == 1234


def test_no_credentials_is_401_with_a_challenge(scenario: Scenario) -> None:
    response = Client(HTTP_ACCEPT=TAXII_MEDIA_TYPE).get(f"{ROOT}collections/")
    assert_taxii_error(response, 401)
    assert "Basic" in response["WWW-Authenticate"]
    assert "Bearer" in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer siaga_not-a-token",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Digest abc",
    ],
)
def test_bad_credentials_are_401(scenario: Scenario, authorization: str) -> None:
    client = Client(HTTP_ACCEPT=TAXII_MEDIA_TYPE, HTTP_AUTHORIZATION=authorization)
    response = client.get(f"{ROOT}collections/")
    assert_taxii_error(response, 401)
    assert response["WWW-Authenticate"]


def test_basic_with_password_works_for_a_partner_without_second_factor(scenario: Scenario) -> None:
    response = basic_password_client(scenario.personas.coord_member).get(f"{ROOT}collections/")
    assert response.status_code == 200


def test_wrong_password_is_401(scenario: Scenario) -> None:
    client = basic_password_client(scenario.personas.coord_member, "wrong password")
    assert_taxii_error(client.get(f"{ROOT}collections/"), 401)


def test_staff_who_must_use_a_second_factor_cannot_use_their_password(scenario: Scenario) -> None:
    body = assert_taxii_error(
        basic_password_client(scenario.personas.cert_analyst).get(f"{ROOT}collections/"), 401
    )
    assert "token" in body["description"]
    # ... but their token works, as Basic password and as bearer token
    assert (
        taxii_client(scenario.personas.cert_analyst).get(f"{ROOT}collections/").status_code == 200
    )
    bearer = taxii_client(scenario.personas.cert_analyst, basic=False)
    assert bearer.get(f"{ROOT}collections/").status_code == 200


def test_token_of_someone_else_under_basic_is_401(scenario: Scenario) -> None:
    token = make_token(scenario.personas.coord_member)
    pair = base64.b64encode(f"admin@cert.test:{token}".encode()).decode()
    client = Client(HTTP_ACCEPT=TAXII_MEDIA_TYPE, HTTP_AUTHORIZATION=f"Basic {pair}")
    assert_taxii_error(client.get(f"{ROOT}collections/"), 401)


def test_read_only_token_may_not_post_or_delete(scenario: Scenario) -> None:
    client = taxii_client(scenario.personas.coord_member, scope="read")
    assert client.get(objects_url(scenario.green)).status_code == 200
    response = client.post(
        objects_url(scenario.green), data={"objects": []}, content_type=TAXII_MEDIA_TYPE
    )
    assert_taxii_error(response, 403)


def test_unacceptable_accept_is_406(scenario: Scenario) -> None:
    client = taxii_client(scenario.personas.coord_member)
    assert_taxii_error(client.get(ROOT, HTTP_ACCEPT="application/json"), 406)
    assert_taxii_error(client.get(ROOT, HTTP_ACCEPT="application/taxii+json;version=2.0"), 406)
    assert client.get(ROOT, HTTP_ACCEPT="application/taxii+json; version=2.1").status_code == 200
    assert client.get(ROOT, HTTP_ACCEPT="*/*").status_code == 200


def test_unknown_collection_and_object_are_404(scenario: Scenario) -> None:
    client = taxii_client(scenario.personas.coord_member)
    assert_taxii_error(client.get(f"{ROOT}collections/no-such-alias/"), 404)
    assert_taxii_error(
        client.get(f"{ROOT}collections/00000000-0000-0000-0000-000000000000/objects/"), 404
    )
    missing = f"{objects_url(scenario.green)}indicator--00000000-0000-4000-8000-000000000000/"
    assert_taxii_error(client.get(missing), 404)
    assert_taxii_error(client.get(f"{missing}versions/"), 404)
    assert_taxii_error(client.get(f"{ROOT}status/00000000-0000-0000-0000-000000000000/"), 404)


def test_a_collection_the_user_cannot_read_is_404_not_403(scenario: Scenario) -> None:
    # The agency is not in the hospitals' group: the collection's existence is not revealed.
    client = taxii_client(scenario.personas.coord_member)
    assert_taxii_error(client.get(f"{ROOT}collections/{scenario.other_amber.uuid}/"), 404)


def test_writing_a_collection_one_may_only_read_is_403(scenario: Scenario) -> None:
    scenario.green.writable = False
    scenario.green.save()
    client = taxii_client(scenario.personas.coord_member)
    response = client.post(
        objects_url(scenario.green), data={"objects": []}, content_type=TAXII_MEDIA_TYPE
    )
    assert_taxii_error(response, 403)


def test_wrong_content_type_is_415(scenario: Scenario) -> None:
    client = taxii_client(scenario.personas.coord_member)
    response = client.post(
        objects_url(scenario.green), data={"objects": []}, content_type="application/json"
    )
    assert_taxii_error(response, 415)


def test_body_above_max_content_length_is_413(scenario: Scenario, settings: object) -> None:
    settings.SIAGA_TAXII_MAX_CONTENT_LENGTH = 100  # type: ignore[attr-defined]
    client = taxii_client(scenario.personas.coord_member)
    body = json.dumps({"objects": [{"type": "x", "padding": "a" * 200}]})
    response = client.post(objects_url(scenario.green), data=body, content_type=TAXII_MEDIA_TYPE)
    assert_taxii_error(response, 413)


def test_bad_json_is_400_and_a_non_envelope_is_422(scenario: Scenario) -> None:
    client = taxii_client(scenario.personas.coord_member)
    url = objects_url(scenario.green)
    assert_taxii_error(client.post(url, data="{not json", content_type=TAXII_MEDIA_TYPE), 400)
    for body in ("[]", '{"objects": {}}', '{"objects": [1, 2]}', '{"type": "bundle"}'):
        assert_taxii_error(client.post(url, data=body, content_type=TAXII_MEDIA_TYPE), 422)


@pytest.mark.parametrize(
    "query",
    [
        "added_after=yesterday",
        "limit=0",
        "limit=-5",
        "limit=ten",
        "next=%%%",
        "next=bm90IGEgY3Vyc29y",
        "match[version]=soon",
        "match[id]=not-an-id",
        "match[type]=Bad Type",
    ],
)
def test_bad_filters_are_400(scenario: Scenario, query: str) -> None:
    client = taxii_client(scenario.personas.coord_member)
    assert_taxii_error(client.get(f"{objects_url(scenario.green)}?{query}"), 400)


def test_wrong_method_is_405(scenario: Scenario) -> None:
    client = taxii_client(scenario.personas.coord_member)
    response = client.put(f"{ROOT}collections/", data="{}", content_type=TAXII_MEDIA_TYPE)
    assert_taxii_error(response, 405)
    assert response["Allow"] == "GET"


def test_status_is_only_for_the_one_who_posted(scenario: Scenario) -> None:
    from siaga.taxii.models import StatusState, TaxiiStatus

    status = TaxiiStatus.objects.create(
        owner=scenario.personas.coord_member,
        collection=scenario.green,
        status=StatusState.COMPLETE,
        total_count=1,
        success_count=1,
        successes=[{"id": "indicator--x", "version": "2026-11-01T08:00:00.000Z"}],
    )
    url = f"{ROOT}status/{status.uuid}/"
    body = taxii_client(scenario.personas.coord_member).get(url).json()
    assert body["id"] == str(status.uuid)
    assert body["status"] == "complete"
    assert body["request_timestamp"].endswith("Z")
    assert (body["total_count"], body["success_count"], body["failure_count"]) == (1, 1, 0)
    assert body["pending_count"] == 0
    assert body["successes"][0]["id"] == "indicator--x"
    assert_taxii_error(taxii_client(scenario.personas.cert_admin).get(url), 404)


def test_collections_list_only_what_the_user_can_read(scenario: Scenario) -> None:
    def titles(user: object) -> set[str]:
        body = taxii_client(user).get(f"{ROOT}collections/").json()
        return {c["title"] for c in body["collections"]}

    p = scenario.personas
    assert titles(p.coord_member) == {"Community", "Public", "Coordination (AMBER)"}
    assert titles(p.constituent_admin) == {"Community", "Public", "Hospitals (AMBER)"}
    assert titles(p.cert_analyst) == {
        "Community",
        "Public",
        "Coordination (AMBER)",
        "Hospitals (AMBER)",
        "CERT only (AMBER+STRICT)",
        "CERT RED",
    }
    # Someone in no organization has no stixobject.view at all (the same as on every other page).
    assert titles(p.outsider) == set()


def test_collection_resource_fields(scenario: Scenario) -> None:
    p = scenario.personas
    body = taxii_client(p.coord_member).get(f"{ROOT}collections/community/").json()
    assert body["id"] == str(scenario.green.uuid)
    assert body["alias"] == "community"
    assert body["can_read"] is True
    assert body["can_write"] is True  # the agency may add objects (stixobject.add in its org)
    assert body["media_types"] == ["application/stix+json;version=2.1"]
    # The auditor reads the public collection but has no stixobject.add.
    public = taxii_client(p.auditor).get(f"{ROOT}collections/{scenario.clear.uuid}/").json()
    assert public["can_write"] is False
    # A reporter has no stixobject.add.
    reporter = taxii_client(p.constituent_reporter).get(f"{ROOT}collections/community/").json()
    assert reporter["can_write"] is False


def test_inactive_collection_is_gone(scenario: Scenario) -> None:
    scenario.green.is_active = False
    scenario.green.save()
    make_stix(scenario.personas.orgs.cert)
    client = taxii_client(scenario.personas.coord_member)
    assert_taxii_error(client.get(objects_url(scenario.green)), 404)


def test_repeated_wrong_passwords_lock_the_account_as_on_the_sign_in_page(
    scenario: Scenario,
) -> None:
    member = scenario.personas.coord_member
    for _attempt in range(6):
        basic_password_client(member, "wrong password").get(f"{ROOT}collections/")
    # Even the right password is refused while the account is locked.
    response = basic_password_client(member).get(f"{ROOT}collections/")
    assert_taxii_error(response, 429)
    # A token still works: the lock-out is against password guessing.
    assert taxii_client(member).get(f"{ROOT}collections/").status_code == 200
