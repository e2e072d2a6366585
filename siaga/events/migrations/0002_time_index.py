"""The index on when events were observed: BRIN on PostgreSQL (feeds arrive in time order, so a
few pages summarize tens of millions of rows and COPY barely pays for it), B-tree elsewhere."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX events_time_brin ON events_event USING brin (time_observation) "
            "WITH (pages_per_range = 32)"
        )
    else:
        schema_editor.execute("CREATE INDEX events_time ON events_event (time_observation)")


def drop(apps, schema_editor):
    name = "events_time_brin" if schema_editor.connection.vendor == "postgresql" else "events_time"
    schema_editor.execute(f"DROP INDEX {name}")


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
