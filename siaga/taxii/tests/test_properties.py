"""Property tests of everything the TAXII server parses from outside: query parameters, the
``next`` cursor, posted envelopes, media types and Authorization headers. Bad input must end in a
TaxiiError with a 4xx status, never in an unhandled exception."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.taxii.auth import authenticate_request
from siaga.taxii.endpoints import parse_envelope
from siaga.taxii.filters import Cursor, parse_query
from siaga.taxii.protocol import TaxiiError, check_accept, check_content_type


def refusal(parse, *args):
    """(None, result) when the input parsed; (the TaxiiError, None) when it was refused."""
    try:
        return None, parse(*args)
    except TaxiiError as error:
        return error, None


PARAMETERS = st.sampled_from(
    [
        "added_after",
        "limit",
        "next",
        "match[id]",
        "match[type]",
        "match[version]",
        "match[spec_version]",
    ]
)


@settings(max_examples=400)
@given(st.lists(st.tuples(PARAMETERS, st.text(max_size=80)), max_size=6))
def test_any_query_parses_or_is_a_400(pairs: list[tuple[str, str]]) -> None:
    params = QueryDict(mutable=True)
    for name, value in pairs:
        params.appendlist(name, value)
    error, query = refusal(parse_query, params)
    if error is not None:
        assert error.http_status == 400
        assert error.description
        return
    assert 1 <= query.limit <= 1000
    assert query.versions


@settings(max_examples=300)
@given(st.text(max_size=120))
def test_any_cursor_decodes_or_is_a_400(value: str) -> None:
    error, _cursor = refusal(Cursor.decode, value)
    assert error is None or error.http_status == 400


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2999, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(min_value=1, max_value=2**62),
)
def test_cursor_round_trips(moment: datetime, pk: int) -> None:
    cursor = Cursor(moment, pk)
    assert Cursor.decode(cursor.encode()) == cursor


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300)
@given(st.binary(max_size=200) | JSONISH.map(lambda v: __import__("json").dumps(v).encode()))
def test_any_body_is_an_envelope_or_a_400_or_422(body: bytes) -> None:
    error, objects = refusal(parse_envelope, body)
    if error is not None:
        assert error.http_status in (400, 422)
        return
    assert all(isinstance(obj, dict) for obj in objects)


@settings(max_examples=200)
@given(st.text(max_size=100))
def test_any_media_type_header_is_accepted_or_refused_cleanly(header: str) -> None:
    request = RequestFactory().post("/", HTTP_ACCEPT=header, content_type=header or "x/y")
    for check, status in ((check_accept, 406), (check_content_type, 415)):
        error, _none = refusal(check, request)
        assert error is None or error.http_status == status


@pytest.mark.django_db
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=150))
def test_any_authorization_header_is_a_caller_or_a_401(header: str) -> None:
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=header)
    with pytest.raises(TaxiiError) as refused:
        authenticate_request(request)
    assert refused.value.http_status == 401
    assert refused.value.headers["WWW-Authenticate"]
