"""An analyst starts a job and watches its progress bar move while a real worker runs it."""

import re
import time

from playwright.sync_api import expect

from siaga.core.testing import PASSWORD
from siaga.jobs.models import Job
from tests.browser.helpers import sign_in_with_authenticator


def test_the_progress_bar_moves_until_the_job_succeeds(page, chromium, personas, workers):
    workers("browser")
    sign_in_with_authenticator(page, personas.cert_analyst, PASSWORD)
    page.goto("/jobs/")
    smoke = page.locator("form", has=page.locator("input[name=steps]"))
    smoke.locator("input[name=steps]").fill("10")
    smoke.locator("input[name=step_seconds]").fill("0.6")
    smoke.get_by_role("button", name="Start").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))

    seen: list[int] = []
    deadline = time.monotonic() + 120  # the worker may start slowly on a busy machine
    while time.monotonic() < deadline:
        seen.append(int(page.get_attribute("[data-testid=job-progress]", "aria-valuenow")))
        if page.inner_text("[data-testid=job-status]").strip().lower() == "succeeded":
            break
        page.wait_for_timeout(300)
    assert seen[-1] == 100, seen
    assert any(0 < value < 100 for value in seen), (
        f"the bar never showed a value in between: {seen}"
    )
    assert seen == sorted(seen), f"the bar went backwards: {seen}"
    job = Job.objects.get()
    assert job.status == "succeeded"
    assert job.worker == "browser@test"
