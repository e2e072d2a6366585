"""Leave a tenth of each page free on PostgreSQL: raising a stored event's count and last_seen (a
repeated finding) then fits on the same page as a heap-only update, which touches no index."""

from django.db import migrations


def apply(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE events_event SET (fillfactor = 90)")


def revert(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE events_event RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("events", "0002_time_index")]
    operations = [migrations.RunPython(apply, revert)]
