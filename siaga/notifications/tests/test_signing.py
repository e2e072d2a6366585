"""The signature scheme and the webhook URL rules, with malformed input from hypothesis."""

from __future__ import annotations

import contextlib
import time

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from siaga.notifications.models import validate_event_kinds, validate_webhook_url
from siaga.notifications.signing import (
    compute_signature,
    generate_secret,
    seal,
    signature_header,
    unseal,
    verify_signature,
)

SECRET = "whsec_test"
BODY = b'{"event":"ping"}'


def test_a_fresh_signature_verifies():
    assert verify_signature(SECRET, signature_header(SECRET, BODY), BODY)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert compute_signature(SECRET, 1700000000, BODY) == expected
    assert signature_header(SECRET, BODY, 1700000000) == f"t=1700000000,v1={expected}"


def test_an_old_signature_is_refused_as_a_replay():
    old = int(time.time()) - 301
    header = signature_header(SECRET, BODY, old)
    assert not verify_signature(SECRET, header, BODY)
    assert verify_signature(SECRET, header, BODY, tolerance=600)


def test_any_of_several_v1_signatures_may_match():
    now = int(time.time())
    header = f"t={now},v1=00,v1={compute_signature(SECRET, now, BODY)}"
    assert verify_signature(SECRET, header, BODY)


@given(header=st.text(max_size=300), body=st.binary(max_size=200))
def test_malformed_headers_never_verify_and_never_raise(header, body):
    assert verify_signature(SECRET, header, body) is False


@given(timestamp=st.integers(min_value=-(10**20), max_value=10**20), body=st.binary(max_size=50))
def test_odd_timestamps_never_raise(timestamp, body):
    header = f"t={timestamp},v1={compute_signature(SECRET, abs(timestamp), body)}"
    assert verify_signature(SECRET, header, body) in (True, False)


def test_secrets_are_random_and_sealed():
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert secret != generate_secret()
    sealed = seal(secret)
    assert secret not in sealed
    assert unseal(sealed) == secret


def test_a_secret_sealed_under_an_old_key_opens_with_the_fallback(settings):
    sealed = seal("whsec_old")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    assert unseal(sealed) == "whsec_old"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ValueError, match="cannot be decrypted"):
        unseal(sealed)


@pytest.mark.parametrize(
    "url",
    [
        "https://siem.hospital.test/hooks/siaga",
        "https://10.0.0.5:8443/hook",  # private addresses are allowed on purpose (see the model)
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://[::1]:8080/hook",
    ],
)
def test_accepted_urls(url):
    validate_webhook_url(url)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://siem.hospital.test/hook", "insecure"),
        ("http://10.0.0.5/hook", "insecure"),
        ("https://user:pass@siem.hospital.test/hook", "credentials"),
        ("https://token@siem.hospital.test/hook", "credentials"),
        ("ftp://siem.hospital.test/hook", "invalid"),
        ("https://", "invalid"),
        ("siem.hospital.test", "invalid"),
        ("https://siem.hospital.test:99999/", "invalid"),
    ],
)
def test_refused_urls(url, code):
    with pytest.raises(ValidationError) as caught:
        validate_webhook_url(url)
    assert caught.value.code == code


@given(st.text(max_size=200))
def test_any_text_is_either_accepted_or_refused_cleanly(url):
    with contextlib.suppress(ValidationError):
        validate_webhook_url(url)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        ),
        max_leaves=10,
    )
)
def test_event_kinds_of_any_shape_are_accepted_or_refused_cleanly(value):
    with contextlib.suppress(ValidationError):
        validate_event_kinds(value)


def test_event_kinds_must_be_known_and_unique():
    validate_event_kinds(["incident_assigned", "sla_breach"])
    for bad in ([], ["nonsense"], ["sla_breach", "sla_breach"], "sla_breach", [1]):
        with pytest.raises(ValidationError):
            validate_event_kinds(bad)
