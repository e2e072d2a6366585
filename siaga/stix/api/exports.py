"""API of the STIX export: bundles of indicators, of one incident, and of the STIX store.

Every answer is a STIX 2.1 bundle (``application/stix+json;version=2.1``), streamed where it can be
big. What a caller gets is what ``restrict(user, "view")`` returns to them, with the export
permission of that kind of object; each export is audited (``siaga.stix.export_actions``).
"""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Query, Router, Schema

from siaga.core.apitools import ObjectId, Text, Timestamp, optional
from siaga.core.observables import ObservableType
from siaga.sharing.choices import TLP
from siaga.stix import export_actions
from siaga.stix.exporter import STIX_CONTENT_TYPE

BUNDLE_RESPONSES = {
    "responses": {
        200: {
            "description": "A STIX 2.1 bundle.",
            "content": {
                STIX_CONTENT_TYPE: {
                    "schema": {
                        "type": "object",
                        "required": ["type", "id", "objects"],
                        "properties": {
                            "type": {"type": "string", "enum": ["bundle"]},
                            "id": {"type": "string"},
                            "objects": {"type": "array", "items": {"type": "object"}},
                        },
                    }
                }
            },
        }
    }
}


class IndicatorExportFilter(Schema):
    type: ObservableType = optional(description="Only indicators of this type.")
    tlp: TLP = optional(description="Only indicators with this TLP.")
    since: Timestamp = optional(description="Only indicators changed at or after this time.")


class ObjectExportFilter(Schema):
    type: Text = optional(
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$",
        description="Only objects of this STIX type (e.g. indicator); all types if left out.",
    )


def _streamed(chunks: Any) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=STIX_CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def export_indicators(request: HttpRequest, filters: Query[IndicatorExportFilter]) -> Any:
    """The indicators you see, with their sources, techniques and malware; needs
    ``indicator.export``. Streamed; audited."""
    data = filters.model_dump(exclude_none=True)
    return _streamed(export_actions.check_export_indicators(request.user, data))


def export_incident(request: HttpRequest, incident_id: ObjectId) -> Any:
    """The incident with the Incident Core extension, its observables, CVEs and techniques;
    needs ``incident.export``. Audited."""
    document = export_actions.check_export_incident(request.user, incident_id)
    return HttpResponse(json.dumps(document, ensure_ascii=False), content_type=STIX_CONTENT_TYPE)


def export_objects(request: HttpRequest, filters: Query[ObjectExportFilter]) -> Any:
    """The latest version of each stored object you see, as stored; needs ``stixobject.export``.
    Streamed; audited."""
    stix_type = filters.type or ""
    return _streamed(export_actions.check_export_store_objects(request.user, stix_type))


def add_operations(target: Router) -> Router:
    """Register the export operations on ``target`` (the app's router, or a test API's)."""
    operations: list[tuple[str, str, str, Any]] = [
        (
            "/stix/export/indicators",
            "stix_export_indicators",
            "Export indicators as a STIX bundle",
            export_indicators,
        ),
        (
            "/incidents/{incident_id}/stix",
            "incidents_stix",
            "Export an incident as a STIX bundle",
            export_incident,
        ),
        (
            "/stix/export/objects",
            "stix_export_objects",
            "Export objects of the STIX store as a bundle",
            export_objects,
        ),
    ]
    for path, operation_id, summary, view in operations:
        target.get(
            path, operation_id=operation_id, summary=summary, openapi_extra=BUNDLE_RESPONSES
        )(view)
    return target


# Included by the stix app's API router (``router.add_router("", exports.router)``).
router = add_operations(Router(tags=["stix"]))
