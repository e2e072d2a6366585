"""Full-text search reads a stored tsvector instead of computing one per row (PostgreSQL only).

With the expression indexes of 0002, PostgreSQL still recomputes ``to_tsvector`` of every
candidate row to recheck a prefix match: for a word found in ten thousand incidents that is most
of a search's time. A generated, stored column is computed once, when the row is written, and the
GIN index sits on it. SQLite searches with LIKE and gets neither.
"""

from django.db import migrations

DOCUMENTS = {
    # table: (column, expression, index); keep the expressions in step with siaga.incidents.filters
    "incidents_incident": (
        "search_document",
        "to_tsvector('simple'::regconfig, COALESCE(reference, '') || ' ' || "
        "COALESCE(title, '') || ' ' || COALESCE(description, ''))",
        "incident_search_document",
    ),
    "incidents_comment": (
        "search_document",
        "to_tsvector('simple'::regconfig, COALESCE(body, ''))",
        "incident_comment_search_document",
    ),
}
OLD_INDEXES = ("incident_search", "incident_comment_search")


def add_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (column, expression, index) in DOCUMENTS.items():
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} tsvector "
            f"GENERATED ALWAYS AS ({expression}) STORED"
        )
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin ({column})")
    for index in OLD_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


def drop_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (column, _expression, index) in DOCUMENTS.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_incident_affected_systems")]

    operations = [migrations.RunPython(add_documents, drop_documents)]
