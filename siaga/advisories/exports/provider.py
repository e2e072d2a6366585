"""Siaga as a CSAF 2.0 provider (spec section 7): the provider metadata and the directory of
public advisories that CSAF tools (aggregators, ``csaf_downloader``) pull.

Layout under ``/.well-known/csaf/`` (requirements 7.1.1, 7.1.8-7.1.14, 7.1.18):

- ``provider-metadata.json``: role ``csaf_provider``, one directory distribution.
- ``white/<YYYY>/<file name>.json``: the English CSAF document of each public advisory (the
  latest revision); ``YYYY`` is the year of its ``initial_release_date``, the file name is the
  tracking id in lower case (section 5.1). ``.sha256`` and ``.sha512`` beside each.
- ``white/index.txt``: one ``<YYYY>/<file name>`` per line.
- ``white/changes.csv``: ``"<YYYY>/<file name>","<current_release_date>"``, newest first.

Only what ``public_revisions`` yields (published, not withdrawn, TLP:CLEAR) ever appears here: the
directory is for TLP:WHITE, and CSAF 2.0 writes TLP:CLEAR as WHITE. Documents are serialised the
same way every time (a revision is frozen), so their hashes are stable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from siaga.advisories.exports.csaf import csaf_document, csaf_filename
from siaga.advisories.exports.public import public_revisions
from siaga.advisories.models import AdvisoryRevision

LANGUAGE = "en"


@dataclass(frozen=True)
class Entry:
    """One document of the directory."""

    year: str
    filename: str
    revision: AdvisoryRevision

    @property
    def path(self) -> str:
        return f"{self.year}/{self.filename}"

    @property
    def current_release(self) -> datetime:
        return self.revision.published_at


def _absolute(url: str) -> str:
    return settings.SITE_URL + url


def directory_url() -> str:
    return _absolute(reverse("public_advisories:csaf-directory"))


def provider_metadata() -> dict[str, Any]:
    """The ``provider-metadata.json`` document (CSAF 2.0 section 7.1.7)."""
    publisher = settings.SIAGA_CSAF_PUBLISHER
    entries = directory_entries()
    last = max((entry.current_release for entry in entries), default=None) or timezone.now()
    return {
        "canonical_url": _absolute(reverse("public_advisories:csaf-provider-metadata")),
        "distributions": [{"directory_url": directory_url()}],
        "last_updated": _date(last),
        "list_on_CSAF_aggregators": True,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": True,
        "public_openpgp_keys": [],
        "publisher": {
            "category": "coordinator",
            "name": publisher["name"],
            "namespace": publisher["namespace"],
            **{
                key: publisher[key]
                for key in ("contact_details", "issuing_authority")
                if publisher.get(key)
            },
        },
        "role": "csaf_provider",
    }


def directory_entries() -> list[Entry]:
    """Every public advisory's document, newest change first."""
    entries = []
    for revision in public_revisions():
        first = datetime.fromisoformat(revision.content["first_published_at"]).astimezone(UTC)
        filename = csaf_filename(revision.advisory.tracking_id)
        entries.append(Entry(str(first.year), filename, revision))
    return entries


def find_entry(year: str, filename: str) -> Entry | None:
    for entry in directory_entries():
        if entry.year == year and entry.filename == filename:
            return entry
    return None


def document_bytes(revision: AdvisoryRevision) -> bytes:
    """The English CSAF document of a revision as the directory serves it."""
    document = csaf_document(revision, LANGUAGE)
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def hash_line(content: bytes, filename: str, algorithm: str) -> str:
    """A ``sha256sum``-style line (``<hex>  <file name>``), as requirement 7.1.18 asks."""
    digest = hashlib.new(algorithm, content).hexdigest()
    return f"{digest}  {filename}\n"


def index_txt(entries: list[Entry]) -> str:
    return "".join(f"{entry.path}\n" for entry in entries)


def changes_csv(entries: list[Entry]) -> str:
    ordered = sorted(entries, key=lambda entry: entry.current_release, reverse=True)
    return "".join(f'"{entry.path}","{_date(entry.current_release)}"\n' for entry in ordered)


def _date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
