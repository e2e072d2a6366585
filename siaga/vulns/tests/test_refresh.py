"""The scheduled refresh: configured URLs fetched from a local HTTP server (never the internet),
imported into one job row with progress and a log, idempotent; bad sources fail alone."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from siaga.jobs.actions import claim_job
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.jobs.runner import execute_job
from siaga.vulns.models import AffectedProduct, VendorAdvisory, Vulnerability
from siaga.vulns.refresh import FetchError, fetch
from siaga.vulns.tasks import JOB_KIND, refresh_vulnerability_sources
from siaga.vulns.tests.conftest import csaf_document, kev_catalog, kev_record

pytestmark = pytest.mark.django_db(transaction=True)

EPSS = b"#model_version:v1,score_date:2025-08-25T00:00:00Z\ncve,epss,percentile\nCVE-2025-10001,0.42,0.97\n"


class _Handler(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/kev.json")
            self.end_headers()
            return
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server(settings: Any) -> Iterator[str]:
    settings.SIAGA_WEBHOOK_HTTP_HOSTS = ["127.0.0.1"]
    _Handler.files = {
        "/kev.json": json.dumps(kev_catalog(kev_record("CVE-2025-10001"))).encode(),
        "/csaf/contoso-2025-001.json": json.dumps(csaf_document()).encode(),
        "/epss.csv": EPSS,
        "/big": b"x" * (2 * 1024 * 1024),
    }
    _Handler.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _run_queued() -> Job:
    job = Job.objects.get(kind=JOB_KIND, status=JobStatus.QUEUED)
    claimed = claim_job(job.pk)
    assert claimed is not None
    execute_job(claimed)
    job.refresh_from_db()
    return job


def test_nothing_is_fetched_unless_configured(settings: Any) -> None:
    settings.SIAGA_VULN_SOURCES = {"kev": "", "epss": "", "csaf": []}
    assert refresh_vulnerability_sources()["job"] is None
    assert not Job.objects.exists()


def test_refresh_imports_every_source_once(server: str, settings: Any) -> None:
    settings.SIAGA_VULN_SOURCES = {
        "kev": f"{server}/kev.json",
        "epss": f"{server}/epss.csv",
        "csaf": [f"{server}/csaf/contoso-2025-001.json", f"{server}/missing.json"],
    }
    started = refresh_vulnerability_sources()
    assert started["job"]
    # a second beat while the first job waits starts nothing
    assert refresh_vulnerability_sources()["job"] is None
    job = _run_queued()
    assert job.status == JobStatus.SUCCEEDED, job.log
    assert (job.progress_done, job.progress_total) == (4, 4)
    sources = job.result["sources"]
    assert [source["kind"] for source in sources] == ["kev", "csaf", "csaf", "epss"]
    assert sources[0]["created"] == 1 and sources[1]["created"] == 1
    assert "answered 404" in sources[2]["error"]
    assert sources[3]["updated"] == 1
    assert job.result["failed"] == 1
    assert "missing.json answered 404" in job.log
    vulnerability = Vulnerability.objects.get()
    assert vulnerability.in_kev and vulnerability.epss_score == 0.42
    assert VendorAdvisory.objects.count() == 1
    assert AffectedProduct.objects.count() == 3  # KEV's row and the CSAF's two
    # again: idempotent
    refresh_vulnerability_sources()
    again = _run_queued()
    assert again.status == JobStatus.SUCCEEDED
    counts = [(s.get("created"), s.get("updated")) for s in again.result["sources"]]
    assert counts == [(0, 0), (0, 0), (None, None), (0, 0)]
    assert AffectedProduct.objects.count() == 3


def test_a_job_whose_every_source_fails_fails(server: str, settings: Any) -> None:
    settings.SIAGA_VULN_SOURCES = {"kev": f"{server}/nothing", "epss": "", "csaf": []}
    refresh_vulnerability_sources()
    job = _run_queued()
    assert job.status == JobStatus.FAILED


def test_fetch_care(server: str, settings: Any) -> None:
    assert fetch(f"{server}/kev.json").startswith(b"{")
    with pytest.raises(FetchError, match="answered 302"):
        fetch(f"{server}/redirect")
    assert _Handler.hits.count("/kev.json") == 1  # the redirect was not followed
    settings.SIAGA_VULN_FETCH_MAX_MB = 1
    with pytest.raises(FetchError, match="larger than 1 MB"):
        fetch(f"{server}/big")
    settings.SIAGA_WEBHOOK_HTTP_HOSTS = []
    with pytest.raises(FetchError, match="https"):
        fetch(f"{server}/kev.json")
    with pytest.raises(FetchError):
        fetch("ftp://example.org/kev.json")
    with pytest.raises(FetchError):
        fetch("https://user:secret@example.org/kev.json")
