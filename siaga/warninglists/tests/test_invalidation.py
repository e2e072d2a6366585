"""The per-process matcher follows list changes: at once in this process, within seconds in others."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from siaga.warninglists import matching
from siaga.warninglists.actions import do_set_enabled
from siaga.warninglists.loader import load_warninglist
from siaga.warninglists.tests.conftest import make_list

pytestmark = pytest.mark.django_db


def test_loading_a_new_version_is_seen_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load_warninglist(make_list(name="Hosts", type="hostname", values=["a.example"]))
    assert matching.check("domain", "x.a.example") == ["Hosts"]
    with django_capture_on_commit_callbacks(execute=True):
        load_warninglist(make_list(name="Hosts", type="hostname", values=["b.example"], version=2))
    assert matching.check("domain", "x.a.example") == []
    assert matching.check_many([("domain", "b.example"), ("ip", "10.0.0.1")]) == [["Hosts"], []]


def test_disabled_lists_do_not_match(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        listed = load_warninglist(make_list(name="Nets", type="cidr", values=["10.0.0.0/8"]))
    assert matching.check("ip", "10.1.1.1") == ["Nets"]
    with django_capture_on_commit_callbacks(execute=True):
        do_set_enabled(personas.cert_admin, listed, False)
    assert matching.check("ip", "10.1.1.1") == []


def test_another_process_change_is_seen_after_the_check_interval(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(matching.SNAPSHOT, "clock", lambda: now[0])
    assert matching.check("ip", "10.1.1.1") == []
    # Another process loads a list and bumps the shared version; this process's bump is not run.
    load_warninglist(make_list(name="Nets", type="cidr", values=["10.0.0.0/8"]))
    cache.set(matching.VERSION_KEY, "from-another-process", timeout=None)
    assert matching.check("ip", "10.1.1.1") == []  # still the snapshot, checked a moment ago
    now[0] += matching.CHECK_EVERY_SECONDS + 0.1
    assert matching.check("ip", "10.1.1.1") == ["Nets"]
