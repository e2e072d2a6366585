"""The committed OpenAPI document (docs/openapi.json) must describe the code as it is."""

import json
from pathlib import Path

import pytest
from django.test import Client

from siaga.core.management.commands.export_openapi import openapi_document

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
OUT_OF_DATE = "docs/openapi.json does not match the API in the code: run `make openapi` and commit the result."


@pytest.fixture(scope="module")
def document():
    return json.loads(openapi_document())


def test_the_committed_document_matches_the_code(document):
    assert COMMITTED.exists(), OUT_OF_DATE
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    if committed != document:
        changed = sorted(set(committed.get("paths", {})) ^ set(document.get("paths", {})))
        pytest.fail(f"{OUT_OF_DATE} Paths added or removed: {changed or 'none (details differ)'}")
    assert COMMITTED.read_text(encoding="utf-8") == openapi_document(), OUT_OF_DATE


@pytest.mark.django_db
def test_the_served_document_is_the_committed_one(document):
    served = Client().get("/api/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="en")
    assert served.status_code == 200
    assert served.json() == document


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_has_an_id_a_tag_and_documented_problems(document):
    ids = []
    for name, operation in operations(document):
        ids.append(operation["operationId"])
        assert operation["tags"], name
        responses = operation["responses"]
        assert {"401", "429", "500"} <= set(responses), name
        if "{" in name:
            assert "404" in responses, name
    assert len(ids) == len(set(ids)), "every operation id is unique"
    assert document["openapi"].startswith("3.1")


def test_problems_are_documented_as_problem_json(document):
    response = document["components"]["responses"]["ValidationFailed"]
    assert response["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert "Retry-After" in document["components"]["responses"]["TooManyRequests"]["headers"]


def test_no_two_api_schemas_share_a_name(document):
    """The OpenAPI components are keyed by class name: two different schemas with one name would
    silently describe one of them wrongly. Same-named classes must describe the same thing."""
    from ninja import Schema

    import siaga.api  # noqa: F401  (every router, so every schema class, is imported)

    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    by_name: dict[str, dict[str, object]] = {}
    clashes = []
    for schema in all_subclasses(Schema):
        if not schema.__module__.startswith("siaga."):
            continue
        shape = schema.model_json_schema()
        shape.pop("description", None)
        seen = by_name.setdefault(schema.__name__, shape)
        if seen != shape:
            clashes.append(f"{schema.__name__} ({schema.__module__})")
    assert not clashes, f"different API schemas with the same name: {clashes}"


def test_no_two_enumerations_share_a_name():
    """Enumerations are API components by class name too: the feeds' report statuses once shadowed
    the incident reports' in the document, and the fuzzer caught a valid answer as invalid."""
    from django.db import models

    import siaga.api  # noqa: F401

    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    modules_by_name: dict[str, set[str]] = {}
    for choices in all_subclasses(models.Choices):
        if choices.__module__.startswith("siaga."):
            modules_by_name.setdefault(choices.__name__, set()).add(choices.__module__)
    shared = {name: sorted(mods) for name, mods in modules_by_name.items() if len(mods) > 1}
    assert not shared, f"enumerations with the same name: {shared}"
