"""Every list pages the same way: ?limit=&offset=, answered with count, next, previous, results."""

from urllib.parse import parse_qs, urlsplit

import pytest

from siaga.core.testing import api_client_for
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven_agencies(personas):
    for number in range(7):
        Organization.objects.create(name=f"Agency {number}", kind=OrganizationKind.MEMBER_AGENCY)
    return api_client_for(personas.cert_admin)


def query_of(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_first_page_links_to_the_next(seven_agencies):
    body = seven_agencies.get("/api/v1/organizations?kind=member_agency&limit=3").json()
    assert body["count"] == 8  # seven plus the persona's agency
    assert [org["name"] for org in body["results"]] == ["Agency 0", "Agency 1", "Agency 2"]
    assert body["previous"] is None
    assert body["next"].startswith("http://testserver/api/v1/organizations?")
    assert query_of(body["next"]) == {"kind": "member_agency", "limit": "3", "offset": "3"}


def test_middle_page_links_both_ways_and_last_page_has_no_next(seven_agencies):
    middle = seven_agencies.get("/api/v1/organizations?kind=member_agency&limit=3&offset=3").json()
    assert query_of(middle["previous"]) == {"kind": "member_agency", "limit": "3"}
    last = seven_agencies.get(middle["next"]).json()
    assert len(last["results"]) == 2
    assert last["next"] is None
    assert query_of(last["previous"])["offset"] == "3"


def test_default_limit_comes_from_the_settings(seven_agencies, settings):
    body = seven_agencies.get("/api/v1/organizations").json()
    assert len(body["results"]) == body["count"] <= settings.SIAGA_API_PAGE_SIZE


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=-1", "offset=-1", "limit=ten"])
def test_out_of_range_paging_is_422(seven_agencies, query):
    response = seven_agencies.get(f"/api/v1/organizations?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] in {"limit", "offset"}


def test_an_offset_past_the_end_is_an_empty_page(seven_agencies):
    body = seven_agencies.get("/api/v1/organizations?offset=1000").json()
    assert body["results"] == []
    assert body["next"] is None
    assert body["count"] == 11
