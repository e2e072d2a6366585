"""GET /api/v1/users/{id}: a profile, for those who may see the person, and every view audited."""

import pytest

from siaga.audit.models import AuditEntry
from siaga.core.testing import api_client_for

pytestmark = pytest.mark.django_db


def profile_views(user):
    return AuditEntry.objects.filter(
        action="view", object_type="accounts.user", object_id=str(user.pk)
    )


def test_a_colleague_sees_the_profile_and_the_view_is_audited(personas):
    response = api_client_for(personas.constituent_admin).get(
        f"/api/v1/users/{personas.constituent_reporter.pk}"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "reporter@hospital.test"
    assert [m["organization"]["name"] for m in body["memberships"]] == ["Test Hospital"]
    [entry] = profile_views(personas.constituent_reporter)
    assert entry.actor_id == personas.constituent_admin.pk
    assert entry.via == "api"


def test_cert_staff_see_any_profile(personas):
    response = api_client_for(personas.cert_analyst).get(
        f"/api/v1/users/{personas.other_reporter.pk}"
    )
    assert response.status_code == 200
    assert profile_views(personas.other_reporter).count() == 1


def test_an_invisible_profile_is_404_and_not_audited(personas):
    response = api_client_for(personas.constituent_reporter).get(
        f"/api/v1/users/{personas.other_reporter.pk}"
    )
    assert response.status_code == 404
    assert not profile_views(personas.other_reporter).exists()


def test_a_profile_shows_only_the_memberships_the_viewer_may_see(personas):
    from siaga.organizations.models import Membership

    Membership.objects.create(
        user=personas.constituent_reporter,
        organization=personas.orgs.other_hospital,
        role="constituent_reporter",
    )
    body = (
        api_client_for(personas.constituent_admin)
        .get(f"/api/v1/users/{personas.constituent_reporter.pk}")
        .json()
    )
    assert [m["organization"]["name"] for m in body["memberships"]] == ["Test Hospital"]
