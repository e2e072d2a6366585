"""GET /health/ reports the database, the broker and the workers."""

from datetime import timedelta

from django.utils import timezone

from siaga.core.testing import login
from siaga.jobs.models import WorkerHeartbeat


def test_health_reports_database_broker_and_no_worker(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "ok"
    assert body["workers"] == {"status": "none", "count": 0}


def test_health_counts_live_workers_and_ignores_silent_ones(client, personas):
    WorkerHeartbeat.objects.create(hostname="alive@host", pid=1, last_seen=timezone.now())
    WorkerHeartbeat.objects.create(
        hostname="dead@host", pid=2, last_seen=timezone.now() - timedelta(hours=1)
    )
    anonymous = client.get("/health/").json()["workers"]
    assert anonymous == {"status": "ok", "count": 1}  # no machine names for the public
    login(client, personas.cert_analyst)
    staff = client.get("/health/").json()["workers"]
    assert [w["hostname"] for w in staff["workers"]] == ["alive@host"]
    login(client, personas.constituent_admin)
    assert "workers" not in client.get("/health/").json()["workers"]


def test_health_is_503_when_the_broker_is_unreachable(client, db, settings):
    from siaga.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/health/")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"]["status"] == "error"
