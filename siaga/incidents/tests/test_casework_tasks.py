"""Tasks and playbooks: the actions, the page forms and the API, with and without permission."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from siaga.core.testing import api_client_for, login
from siaga.incidents.actions.casework import (
    check_add_task,
    check_apply_playbook,
    check_update_task,
)
from siaga.incidents.models import Task
from siaga.incidents.playbooks import PLAYBOOKS

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def incident(personas, make_incident):
    return make_incident(
        rsit_class="malicious-code",
        rsit_type="infected-system",
        health_tags=["ransomware"],
        affected_constituents=[personas.orgs.hospital],
    )


def test_add_and_complete_a_task(personas, incident):
    first = check_add_task(personas.cert_analyst, incident, {"title": "Call the hospital"})
    second = check_add_task(
        personas.cert_analyst, incident, {"title": "Image the server", "owner": personas.cert_lead}
    )
    assert (first.position, second.position) == (0, 1)
    done = check_update_task(personas.cert_lead, second, {"status": "done"})
    assert done.completed_by == personas.cert_lead and done.completed_at is not None
    reopened = check_update_task(personas.cert_lead, done, {"status": "in_progress"})
    assert reopened.completed_at is None and reopened.completed_by is None


def test_task_rules(personas, incident):
    with pytest.raises(ValidationError) as error:
        check_add_task(
            personas.cert_analyst, incident, {"title": "x", "owner": personas.constituent_admin}
        )
    assert "owner" in error.value.message_dict
    task = check_add_task(personas.cert_analyst, incident, {"title": "x"})
    with pytest.raises(ValidationError) as error:
        check_update_task(personas.cert_analyst, task, {"incident": None})
    assert "incident" in error.value.message_dict
    with pytest.raises(ValidationError):
        check_update_task(personas.cert_analyst, task, {"status": "someday"})
    with pytest.raises(PermissionDenied):
        check_add_task(personas.constituent_admin, incident, {"title": "x"})
    with pytest.raises(PermissionDenied):
        check_update_task(personas.auditor, task, {"status": "done"})


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Identify the ransomware family and the initial access vector"),
        ("id", "Identifikasi keluarga ransomware dan vektor akses awal"),
    ],
)
def test_a_playbook_is_written_in_the_language_of_who_applies_it(
    personas, incident, language, title
):
    analyst = personas.cert_analyst
    analyst.language = language
    analyst.save()
    tasks = check_apply_playbook(analyst, incident, "ransomware")
    assert len(tasks) == len(PLAYBOOKS["ransomware"].tasks)
    assert title in [task.title for task in tasks]
    assert all(task.playbook == "ransomware" for task in tasks)
    assert tasks[0].due_at is not None and tasks[0].phase == "triage"


def test_a_playbook_applies_once_and_must_exist(personas, incident):
    check_apply_playbook(personas.cert_analyst, incident, "phishing")
    count = Task.objects.count()
    with pytest.raises(ValidationError) as error:
        check_apply_playbook(personas.cert_lead, incident, "phishing")
    assert error.value.message_dict["playbook"]
    with pytest.raises(ValidationError):
        check_apply_playbook(personas.cert_lead, incident, "nope")
    assert Task.objects.count() == count


def test_pages_add_update_and_apply(client, personas, incident):
    login(client, personas.cert_analyst)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    choices = [value for value, _ in response.context["playbook_form"].fields["playbook"].choices]
    assert choices[0] == "ransomware"  # the suggested one first
    assert len(choices) == len(PLAYBOOKS)
    url = reverse("incidents:task-add", args=[incident.pk])
    assert client.post(url, {"title": "Call", "phase": "triage"}).status_code == 302
    task = Task.objects.get()
    response = client.post(url, {"title": "", "phase": "triage"})
    assert response.status_code == 400 and "title" in response.context["task_form"].errors
    update = reverse("incidents:task-update", args=[task.pk])
    data = {f"task-{task.pk}-status": "done", f"task-{task.pk}-owner": personas.cert_lead.pk}
    assert client.post(update, data).status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and task.owner == personas.cert_lead
    apply = reverse("incidents:playbook-apply", args=[incident.pk])
    assert client.post(apply, {"playbook": "ddos"}).status_code == 302
    response = client.post(apply, {"playbook": "ddos"})
    assert response.status_code == 400
    assert "already applied" in str(response.context["playbook_form"].errors)


def test_overdue_tasks_are_flagged(client, personas, incident):
    from datetime import timedelta

    from django.utils import timezone

    check_add_task(
        personas.cert_analyst,
        incident,
        {"title": "Late", "due_at": timezone.now() - timedelta(hours=1)},
    )
    login(client, personas.cert_analyst)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert "Overdue" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_lead", 302),
        ("auditor", 403),
        ("constituent_admin", 403),
        ("other_reporter", 404),
        ("outsider", 404),
    ],
)
def test_task_pages_per_persona(client, personas, incident, persona, status):
    task = check_add_task(personas.cert_analyst, incident, {"title": "x"})
    login(client, personas.by_name(persona))
    add = client.post(
        reverse("incidents:task-add", args=[incident.pk]), {"title": "y", "phase": "analysis"}
    )
    assert add.status_code == status
    update = client.post(
        reverse("incidents:task-update", args=[task.pk]), {f"task-{task.pk}-status": "done"}
    )
    # Tasks are the CERT's: outside it they do not exist.
    assert update.status_code == (status if persona in ("cert_lead", "auditor") else 404)
    apply = client.post(
        reverse("incidents:playbook-apply", args=[incident.pk]), {"playbook": "phishing"}
    )
    assert apply.status_code == status


def test_api_tasks(personas, incident):
    analyst = api_client_for(personas.cert_analyst)
    url = f"/api/v1/incidents/{incident.pk}/tasks"
    response = analyst.post(
        url, {"title": "Call", "owner_id": personas.cert_lead.pk}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    task_id = response.json()["id"]
    assert response.json()["owner"]["id"] == personas.cert_lead.pk
    bad = analyst.post(
        url, {"title": "x", "owner_id": personas.constituent_admin.pk}, content_type=JSON
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "owner_id"
    assert analyst.post(url, {"title": "x", "colour": 1}, content_type=JSON).status_code == 422
    patched = analyst.patch(f"/api/v1/tasks/{task_id}", {"status": "done"}, content_type=JSON)
    assert patched.json()["status"] == "done" and patched.json()["completed_at"]
    cleared = analyst.patch(f"/api/v1/tasks/{task_id}", {"owner_id": None}, content_type=JSON)
    assert cleared.json()["owner"] is None
    applied = analyst.post(
        f"/api/v1/incidents/{incident.pk}/playbooks", {"playbook": "ddos"}, content_type=JSON
    )
    assert applied.status_code == 201 and applied.json()[0]["playbook"] == "ddos"
    again = analyst.post(
        f"/api/v1/incidents/{incident.pk}/playbooks", {"playbook": "ddos"}, content_type=JSON
    )
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "playbook"
    listed = analyst.get(url).json()
    assert listed["count"] == 1 + len(PLAYBOOKS["ddos"].tasks)
    assert api_client_for(personas.auditor).get(url).status_code == 200
    reporter = api_client_for(personas.constituent_reporter)
    assert reporter.get(url).status_code == 403
    assert reporter.patch(f"/api/v1/tasks/{task_id}", {}, content_type=JSON).status_code == 404
    assert reporter.post(url, {"title": "x"}, content_type=JSON).status_code == 403
    assert api_client_for(personas.other_reporter).get(url).status_code == 404


def test_api_playbooks_in_the_request_language(personas):
    client = api_client_for(personas.cert_analyst)
    english = client.get("/api/v1/playbooks", HTTP_ACCEPT_LANGUAGE="en").json()
    assert {p["slug"] for p in english} == set(PLAYBOOKS)
    ransomware = next(p for p in english if p["slug"] == "ransomware")
    titles = [task["title"] for task in ransomware["tasks"]]
    assert "Identify the ransomware family and the initial access vector" in titles
    indonesian = client.get("/api/v1/playbooks", HTTP_ACCEPT_LANGUAGE="id").json()
    ransomware = next(p for p in indonesian if p["slug"] == "ransomware")
    titles = [task["title"] for task in ransomware["tasks"]]
    assert "Identifikasi keluarga ransomware dan vektor akses awal" in titles
    assert api_client_for(personas.constituent_reporter).get("/api/v1/playbooks").status_code == 403
