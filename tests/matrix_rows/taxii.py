"""Permission-matrix rows of the TAXII app: the pages that list and manage collections.

The TAXII protocol endpoints (``PROTOCOL_URL_NAMES``) are not pages: they authenticate with HTTP
Basic or a bearer token only (never the browser session) and answer 401 rather than sending anyone
to the sign-in page, so the page matrix cannot test them. Their own persona matrix is
``siaga/taxii/tests/test_matrix.py``.
"""

from __future__ import annotations

from typing import Any

from siaga.core.testing import Personas
from siaga.sharing.choices import TLP, Distribution
from siaga.taxii.models import Collection
from tests.matrix_base import CERT_STAFF, EVERYONE_SIGNED_IN, Page

PROTOCOL_URL_NAMES = frozenset(
    {
        "taxii:discovery",
        "taxii:api-root",
        "taxii:status",
        "taxii:collections",
        "taxii:collection",
        "taxii:manifest",
        "taxii:objects",
        "taxii:object",
        "taxii:versions",
    }
)


def rows(personas: Personas) -> dict[str, Any]:
    collection = Collection.objects.create(
        title="Matrix community", distribution=Distribution.CONSTITUENTS, tlp=TLP.GREEN
    )
    return {"taxii_collection_id": collection.pk}


PAGES = [
    Page("taxii:collection-list", EVERYONE_SIGNED_IN),
    Page("taxii:collection-create", CERT_STAFF),
    Page("taxii:collection-edit", CERT_STAFF, args=lambda w: [w.extra["taxii_collection_id"]]),
    Page(
        "taxii:collection-create",
        CERT_STAFF,
        "post",
        data={
            "title": "Matrix public",
            "distribution": Distribution.PUBLIC,
            "tlp": TLP.CLEAR,
            "is_active": "on",
        },
    ),
]

OPERATIONS: list = []
