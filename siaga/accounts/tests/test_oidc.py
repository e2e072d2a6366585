"""OpenID Connect maps a provider's verified e-mail to an existing account and never creates one."""

import pytest

from siaga.accounts.oidc import SiagaOIDCBackend
from siaga.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def backend(settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://idp.example/userinfo"
    settings.OIDC_RP_CLIENT_ID = "siaga"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_RP_SIGN_ALGO = "HS256"
    return SiagaOIDCBackend()


def test_a_verified_address_finds_the_existing_account_case_insensitively(backend):
    user = make_user("officer@agency.test")
    assert list(backend.filter_users_by_claims({"email": "Officer@Agency.TEST"})) == [user]


def test_unverified_or_missing_addresses_are_refused(backend):
    assert backend.verify_claims({"email": "a@b.test", "email_verified": True}) is True
    assert backend.verify_claims({"email": "a@b.test"}) is False
    assert backend.verify_claims({"email": "a@b.test", "email_verified": "true"}) is False
    assert backend.verify_claims({"email_verified": True}) is False


def test_unknown_and_inactive_people_get_no_account(backend):
    make_user("gone@agency.test", is_active=False)
    assert not backend.filter_users_by_claims({"email": "gone@agency.test"}).exists()
    assert not backend.filter_users_by_claims({"email": "stranger@agency.test"}).exists()
    assert backend.create_user({"email": "stranger@agency.test"}) is None
