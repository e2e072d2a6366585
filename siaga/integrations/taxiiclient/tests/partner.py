"""A partner's TAXII 2.1 server for the client tests: OASIS medallion (the reference server)
with its in-memory backend, served by werkzeug on 127.0.0.1 in a background thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

API_ROOT = "partner"
COLLECTION_ID = "472c94ae-3113-4e3e-a4dd-a9f4ac7471d4"
USER, PASSWORD = "siaga", "partner-secret"


@dataclass
class PartnerServer:
    url: str
    backend: Any

    @property
    def api_root_url(self) -> str:
        return f"{self.url}/{API_ROOT}/"

    def collection_objects(self) -> list[dict[str, Any]]:
        collection = self.backend.data[API_ROOT]["collections"][0]
        return list(collection["objects"])

    def add(self, objects: list[dict[str, Any]]) -> None:
        from medallion.common import get_timestamp

        self.backend.add_objects(API_ROOT, COLLECTION_ID, {"objects": objects}, get_timestamp())


def _data(url: str) -> dict[str, Any]:
    return {
        "/discovery": {
            "title": "Partner TAXII server",
            "default": f"{url}/{API_ROOT}/",
            "api_roots": [f"{url}/{API_ROOT}/"],
        },
        API_ROOT: {
            "information": {
                "title": "Partner",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 10_000_000,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION_ID,
                    "title": "Partner indicators",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }


@pytest.fixture
def partner(tmp_path: Path) -> Iterator[PartnerServer]:
    pytest.importorskip("medallion", reason="the partner server needs the dev extra (medallion)")
    from medallion import application_instance, set_config
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, application_instance, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    data_file = tmp_path / "partner.json"
    data_file.write_text(json.dumps(_data(url)))
    configuration = {
        "users": {USER: PASSWORD},
        "taxii": {"max_page_size": 2},  # small pages, so a pull must follow `next`
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(data_file),
        },
    }
    for name in ("users", "taxii", "backend"):
        set_config(application_instance, name, configuration)
    if "objects" not in application_instance.blueprints:
        from medallion import register_blueprints

        register_blueprints(application_instance)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield PartnerServer(url, application_instance.medallion_backend)
    finally:
        server.shutdown()
        thread.join(timeout=5)
