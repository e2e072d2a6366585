"""``siaga export_openapi``: print the API's OpenAPI document (``make openapi`` writes docs/openapi.json)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation


def openapi_document() -> str:
    """The document as committed: English, pretty, keys sorted, so that a diff shows real changes."""
    from siaga.api import api

    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix="/api/v1/")
        return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


class Command(BaseCommand):
    help = "Print the OpenAPI document of the REST API as JSON (make openapi writes docs/openapi.json)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(openapi_document(), ending="")
