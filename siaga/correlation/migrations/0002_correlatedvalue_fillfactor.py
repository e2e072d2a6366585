"""Leave room in each page of correlated values so that count updates are HOT on PostgreSQL.

Every recorded batch updates the counts of its values; with free space on the page PostgreSQL
writes the new row version beside the old one without touching the indexes (a heap-only tuple).
Nothing to do on other databases."""

from typing import Any

from django.db import migrations


def set_fillfactor(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE correlation_correlatedvalue SET (fillfactor = 70)")


def reset_fillfactor(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE correlation_correlatedvalue RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("correlation", "0001_initial")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
