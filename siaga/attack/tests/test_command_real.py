"""``siaga load_attack`` on the real ICS bundle: the pick-list and the STIX store both filled."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from siaga.attack.models import Technique
from siaga.attack.tests.conftest import real_bundle
from siaga.stix.models import StixObject

pytestmark = pytest.mark.django_db


def test_load_attack_command_with_the_ics_release(personas: Any) -> None:
    path = real_bundle("ics-attack-18.0.json")
    out, err = StringIO(), StringIO()
    call_command("load_attack", str(path), stdout=out, stderr=err)
    assert Technique.objects.count() == 95
    patterns = StixObject.objects.filter(type="attack-pattern", is_latest=True)
    assert patterns.count() == 95
    assert set(patterns.values_list("tlp", "distribution").distinct()) == {("clear", "public")}
    assert "0 failed" in out.getvalue()
    # Again: nothing new anywhere.
    again = StringIO()
    call_command("load_attack", str(path), stdout=again)
    assert "0 added" in again.getvalue() and Technique.objects.count() == 95
