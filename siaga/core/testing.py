"""Test personas and helpers, shared by every app's tests (loaded by the root conftest.py).

The personas: a CERT admin, lead and analyst, a coordination-group member, a hospital's admin and
reporter, a reporter of another hospital, an auditor, and an outsider with no membership.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from siaga.accounts.models import ApiToken, User, hash_token
from siaga.accounts.roles import Role
from siaga.jobs.models import WorkerHeartbeat
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Membership, Organization

PASSWORD = "correct-horse-battery-staple"  # noqa: S105

__all__ = [
    "PASSWORD",
    "WORKER_STALE_SECONDS",
    "CeleryWorker",
    "Personas",
    "api_client_for",
    "build_orgs",
    "build_personas",
    "clear_cache",
    "client",
    "english",
    "login",
    "make_token",
    "make_user",
    "orgs",
    "personas",
    "run_at_once",
    "wait_for",
    "workers",
]


@pytest.fixture
def client() -> Client:
    """Django's test client, reading the English pages: tests assert English text.

    Siaga's default language is Indonesian; tests of the Indonesian pages set the cookie themselves.
    """
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return english


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Code called outside a request (actions, tasks) speaks English in tests, whatever ran before.

    Tests of the Indonesian text switch with ``translation.override("id")`` themselves.
    """
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@dataclass
class Orgs:
    cert: Organization
    agency: Organization
    hospital: Organization
    other_hospital: Organization


@pytest.fixture
def orgs(db: Any) -> Orgs:
    return build_orgs()


def build_orgs() -> Orgs:
    return Orgs(
        cert=Organization.objects.create(name="Test CERT", kind=OrganizationKind.CERT),
        agency=Organization.objects.create(name="Test Agency", kind=OrganizationKind.MEMBER_AGENCY),
        hospital=Organization.objects.create(
            name="Test Hospital",
            kind=OrganizationKind.CONSTITUENT,
            constituent_type=ConstituentType.HOSPITAL,
        ),
        other_hospital=Organization.objects.create(
            name="Other Hospital",
            kind=OrganizationKind.CONSTITUENT,
            constituent_type=ConstituentType.HOSPITAL,
        ),
    )


def make_user(
    email: str, organization: Organization | None = None, role: str | None = None, **extra: Any
) -> User:
    extra.setdefault("full_name", email.split("@")[0].replace(".", " ").title())
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    if organization is not None and role is not None:
        Membership.objects.create(user=user, organization=organization, role=role)
    return user


@dataclass
class Personas:
    orgs: Orgs
    cert_admin: User
    cert_lead: User
    cert_analyst: User
    coord_member: User
    constituent_admin: User
    constituent_reporter: User
    other_reporter: User
    auditor: User
    outsider: User

    def by_name(self, name: str) -> User:
        return getattr(self, name)

    NAMES = (
        "cert_admin",
        "cert_lead",
        "cert_analyst",
        "coord_member",
        "constituent_admin",
        "constituent_reporter",
        "other_reporter",
        "auditor",
        "outsider",
    )


@pytest.fixture
def personas(orgs: Orgs) -> Personas:
    return build_personas(orgs)


def build_personas(orgs: Orgs) -> Personas:
    return Personas(
        orgs=orgs,
        cert_admin=make_user("admin@cert.test", orgs.cert, Role.CERT_ADMIN),
        cert_lead=make_user("lead@cert.test", orgs.cert, Role.CERT_LEAD),
        cert_analyst=make_user("analyst@cert.test", orgs.cert, Role.CERT_ANALYST),
        coord_member=make_user("member@agency.test", orgs.agency, Role.COORD_MEMBER),
        constituent_admin=make_user("admin@hospital.test", orgs.hospital, Role.CONSTITUENT_ADMIN),
        constituent_reporter=make_user(
            "reporter@hospital.test", orgs.hospital, Role.CONSTITUENT_REPORTER
        ),
        other_reporter=make_user(
            "reporter@other.test", orgs.other_hospital, Role.CONSTITUENT_REPORTER
        ),
        auditor=make_user("auditor@cert.test", orgs.cert, Role.AUDITOR),
        outsider=make_user("outsider@nowhere.test"),
    )


def run_at_once(threads: int, work: Callable[[], None]) -> list[BaseException]:
    """Run ``work`` in that many threads released together, each on its own database connection;
    what they raised (a race test asserts there is nothing)."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def run() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return errors


def login(client: Client, user: User, *, verified: bool = True) -> Client:
    """Sign the user in; with ``verified`` the session has also passed the second factor."""
    client.force_login(user)
    if verified:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="authenticator", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def make_token(user: User, scope: str = "read_write", **extra: Any) -> str:
    raw = ApiToken.generate()
    ApiToken.objects.create(
        user=user, name="test", scope=scope, key_hash=hash_token(raw), prefix=raw[:12], **extra
    )
    return raw


def api_client_for(user: User, scope: str = "read_write") -> Client:
    """A client that sends a bearer token of the given scope with every request, asking for
    English answers like the rest of the suite (a token client that asks for nothing gets the
    default language, Indonesian)."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {make_token(user, scope)}", HTTP_ACCEPT_LANGUAGE="en")


# --- Real Celery workers for tests ---------------------------------------------------------------------

WORKER_STALE_SECONDS = 3
ROOT = Path(__file__).resolve().parents[2]


def database_url_of_test_database() -> str:
    """The test database as a URL, for worker processes that must use it (needs transactional_db)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


def wait_for(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(message)


class CeleryWorker:
    """A real ``celery worker`` process on the configured broker and the test database."""

    def __init__(self, name: str) -> None:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url_of_test_database(),
            SIAGA_TESTING="1",
            SIAGA_JOB_STALE_SECONDS=str(WORKER_STALE_SECONDS),
            SIAGA_WORKER_HEARTBEAT_SECONDS="1",
        )
        self.name = name
        suffix = f"-{settings.TEST_WORKER}" if settings.TEST_WORKER else ""
        self.log_path = ROOT / "var" / f"test-worker-{name}{suffix}.log"
        self.log_path.parent.mkdir(exist_ok=True)
        self.log = self.log_path.open("w")
        command = [str(Path(sys.executable).parent / "celery"), "--app", "siaga", "worker"]
        command += ["--hostname", f"{name}@test", "--concurrency", "1", "--pool", "prefork"]
        command += ["--without-gossip", "--without-mingle", "--loglevel", "INFO"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill reaches its pool child too
        )

    def wait_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                self.log.flush()
                tail = self.log_path.read_text()[-3000:]
                pytest.fail(f"worker {self.name} exited with {self.process.returncode}:\n{tail}")
            return WorkerHeartbeat.objects.filter(hostname=f"{self.name}@test").exists()

        wait_for(ready, timeout, f"worker {self.name} did not start; see {self.log_path}")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def workers(settings: Any) -> Iterator[Callable[[str], CeleryWorker]]:
    """Start named worker processes; they are stopped when the test ends."""
    settings.SIAGA_JOB_STALE_SECONDS = WORKER_STALE_SECONDS
    started: list[CeleryWorker] = []

    def start(name: str) -> CeleryWorker:
        worker = CeleryWorker(name)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()
