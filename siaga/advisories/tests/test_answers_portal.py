"""Constituents' answers: only for their own organization, need help alerts the CERT, counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from siaga.advisories import actions
from siaga.advisories.models import Advisory, AdvisoryRecipient
from siaga.advisories.tests.conftest import advisory_data, publish
from siaga.core.testing import api_client_for
from siaga.notifications.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(personas):
    """Published to the personas' hospital (named) and to the other hospital."""
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(
            target_inventory=False,
            target_organizations=[personas.orgs.hospital.pk, personas.orgs.other_hospital.pk],
        ),
    )
    return publish(personas, advisory)


def test_constituents_see_only_what_was_published_to_them(personas, received, draft):
    assert list(actions.visible_advisories(personas.constituent_reporter)) == [received]
    assert list(actions.visible_advisories(personas.coord_member)) == []
    assert set(actions.visible_advisories(personas.auditor)) == {received, draft}
    assert not actions.sees_working_copy(personas.constituent_admin, received)
    assert actions.sees_working_copy(personas.cert_analyst, received)


def test_an_update_in_progress_stays_visible_as_the_last_revision(personas, received):
    actions.check_update_advisory(personas.cert_analyst, received, {"title_en": "Secret edit"})
    assert Advisory.objects.restrict(personas.constituent_reporter).filter(pk=received.pk).exists()


def test_answer_for_ones_own_organization(personas, received):
    row = actions.recipient_for_answer(personas.constituent_reporter, received)
    assert row.organization == personas.orgs.hospital
    answered = actions.check_answer(personas.constituent_reporter, row, "patched", "Done on ward 3")
    assert answered.answer == "patched" and answered.answered_by == personas.constituent_reporter
    assert answered.answered_at is not None
    counts = actions.answer_counts(received)
    assert counts["patched"] == 1 and counts["unanswered"] == 1


def test_no_answer_for_another_organization(personas, received):
    theirs = AdvisoryRecipient.objects.get(
        advisory=received, organization=personas.orgs.other_hospital
    )
    with pytest.raises(PermissionDenied):
        actions.check_answer(personas.constituent_reporter, theirs, "patched")
    with pytest.raises(PermissionDenied):
        actions.check_answer(personas.cert_analyst, theirs, "patched")  # the CERT does not answer


def test_not_sent_to_you(personas, draft):
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(
            target_inventory=False, target_organizations=[personas.orgs.other_hospital.pk]
        ),
    )
    publish(personas, advisory)
    with pytest.raises(ValidationError):
        actions.recipient_for_answer(personas.constituent_reporter, advisory)


def test_bad_answers(personas, received):
    row = actions.recipient_for_answer(personas.constituent_reporter, received)
    with pytest.raises(ValidationError):
        actions.check_answer(personas.constituent_reporter, row, "maybe")
    with pytest.raises(ValidationError) as caught:
        actions.check_answer(personas.constituent_reporter, row, "need_help", "")
    assert "comment" in caught.value.message_dict


def test_need_help_alerts_the_author_and_the_duty_staff(personas, received):
    row = actions.recipient_for_answer(personas.constituent_admin, received)
    actions.check_answer(
        personas.constituent_admin, row, "need_help", "We cannot find the firmware."
    )
    addresses = set(
        Delivery.objects.filter(event_kind="advisory_need_help").values_list("address", flat=True)
    )
    assert {personas.cert_analyst.email, personas.cert_lead.email} <= addresses
    body = Delivery.objects.filter(event_kind="advisory_need_help").first().body
    assert "We cannot find the firmware." in body and "Test Hospital" in body


def test_no_answer_to_a_withdrawn_advisory(personas, received):
    row = actions.recipient_for_answer(personas.constituent_admin, received)
    actions.check_withdraw(personas.cert_lead, received, "Wrong product")
    with pytest.raises(ValidationError):
        actions.check_answer(personas.constituent_admin, row, "patched")


def _received(personas, count):
    for number in range(count):
        advisory = actions.check_create_advisory(
            personas.cert_analyst,
            advisory_data(
                title_en=f"Advisory {number}",
                target_inventory=False,
                target_organizations=[personas.orgs.hospital.pk],
            ),
        )
        publish(personas, advisory)


def _queries(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_received_list_does_not_grow_queries_per_advisory(client, personas):
    from django.urls import reverse

    from siaga.core.testing import login

    login(client, personas.constituent_reporter)
    api = api_client_for(personas.constituent_reporter)
    _received(personas, 2)
    _queries(client, reverse("advisories:list"))  # warm: sessions and tokens note their use once
    _queries(api, "/api/v1/advisories")
    page_few = _queries(client, reverse("advisories:list"))
    api_few = _queries(api, "/api/v1/advisories")
    _received(personas, 4)
    assert _queries(client, reverse("advisories:list")) == page_few
    assert _queries(api, "/api/v1/advisories") == api_few
    assert api.get("/api/v1/advisories").json()["count"] == 6
