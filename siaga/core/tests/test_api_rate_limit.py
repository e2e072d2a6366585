"""Each token (or signed-in user) may make SIAGA_API_RATE_PER_MINUTE requests a minute."""

from unittest import mock

import pytest

from siaga.core.testing import api_client_for, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_a_minute(settings):
    settings.SIAGA_API_RATE_PER_MINUTE = 3
    # A fixed moment early in a minute, so the window does not roll over during the test.
    with mock.patch("siaga.core.apitools.time.time", return_value=1_800_000_000.0):
        yield


def test_the_request_over_the_limit_is_429_with_retry_after(personas, three_a_minute):
    client = api_client_for(personas.cert_analyst)
    assert [client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/me")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:siaga:problem:rate-limited"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_each_token_has_its_own_count(personas, three_a_minute):
    first, second = api_client_for(personas.cert_analyst), api_client_for(personas.cert_analyst)
    for _ in range(3):
        first.get("/api/v1/me")
    assert first.get("/api/v1/me").status_code == 429
    assert second.get("/api/v1/me").status_code == 200


def test_a_session_is_counted_per_user(personas, client, three_a_minute):
    login(client, personas.constituent_reporter)
    assert [client.get("/api/v1/me").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_count_starts_again_in_the_next_minute(personas, settings):
    settings.SIAGA_API_RATE_PER_MINUTE = 1
    client = api_client_for(personas.cert_analyst)
    with mock.patch("siaga.core.apitools.time.time", return_value=1_800_000_000.0):
        assert client.get("/api/v1/me").status_code == 200
        assert client.get("/api/v1/me").status_code == 429
    with mock.patch("siaga.core.apitools.time.time", return_value=1_800_000_060.0):
        assert client.get("/api/v1/me").status_code == 200
