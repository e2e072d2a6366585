"""The feeds demo: the usual feeds, and a processed Shadowserver report about the demo hospital."""

import pytest

from siaga.constituents.lookup import forget_index
from siaga.core.demo import load_demo_data
from siaga.events.models import Event
from siaga.feeds import demo
from siaga.feeds.models import Feed, FeedReport, QuarantinedRow

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def report_store(settings, tmp_path):
    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    forget_index()
    yield
    forget_index()


def test_the_demo_report_is_attributed_to_the_demo_hospital_once():
    load_demo_data()
    demo.load_feeds_demo()  # again: nothing more
    assert Feed.objects.count() == len(demo.FEEDS)
    report = FeedReport.objects.get()
    assert (report.rows_read, report.events_stored, report.duplicates) == (5, 3, 1)
    assert QuarantinedRow.objects.get().row == 5
    hospital_events = Event.objects.filter(constituent__name="RSUD Sehat Sentosa")
    assert sorted(hospital_events.values_list("source_ip", flat=True)) == [
        "192.0.2.21",
        "192.0.2.37",
    ]
    assert hospital_events.get(source_ip="192.0.2.21").count == 2
    assert Event.objects.get(source_ip="198.51.100.14").constituent is None
