"""The CSAF provider directory (CSAF 2.0 section 7): provider metadata valid against the 2.0
provider schema, the TLP:WHITE directory with index.txt, changes.csv and hash files, and only
published TLP:CLEAR advisories in it, ever."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import csaf as csaf_package
import pytest
from django.test import Client
from jsonschema import Draft202012Validator, FormatChecker

from siaga.advisories.choices import AdvisoryKind, AdvisoryStatus
from siaga.advisories.tests.builders import make_advisory, publish
from siaga.core.testing import Orgs
from siaga.csaf.validation import csaf_problems
from siaga.sharing.choices import TLP

pytestmark = pytest.mark.django_db

BASE = "/.well-known/csaf"
PACKAGE = Path(csaf_package.__file__).parent / "csaf"
CVE = {"cve_id": "CVE-2024-12345", "cvss3_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
PRODUCT = {
    "vendor": "Baxter",
    "product": "Sigma Spectrum",
    "versions": "<= 8.00.01",
    "fixed_in": "8.00.02",
}


def csaf20_provider_schema() -> dict[str, Any]:
    """The CSAF 2.0 provider metadata schema, rebuilt from the 2.1 one the ``csaf`` package ships
    by undoing the changes 2.1 made (OASIS csaf_2.0/json_schema/provider_json_schema.json): no
    ``$schema`` member, ``metadata_version`` "2.0", ``distributions[].directory_url`` instead of
    ``directory``, no ``maintained_*``, key fingerprints optional, the 2.0 publisher object."""
    schema = json.loads((PACKAGE / "v21" / "feed" / "provider.json").read_text())
    csaf20 = json.loads((PACKAGE / "v20" / "schema" / "csaf.json").read_text())
    schema = copy.deepcopy(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://docs.oasis-open.org/csaf/csaf/v2.0/provider_json_schema.json"
    schema["required"].remove("$schema")
    properties = schema["properties"]
    del properties["$schema"], properties["maintained_from"], properties["maintained_until"]
    properties["metadata_version"] = {"type": "string", "enum": ["2.0"]}
    distribution = properties["distributions"]["items"]["properties"]
    del distribution["directory"]
    distribution["directory_url"] = {"$ref": "#/$defs/url_t"}
    feed = distribution["rolie"]["properties"]["feeds"]["items"]
    feed["required"].remove("last_updated")
    feed["properties"]["tlp_label"] = {"enum": ["UNLABELED", "WHITE", "GREEN", "AMBER", "RED"]}
    properties["public_openpgp_keys"]["items"]["required"] = ["url"]
    properties["publisher"] = csaf20["properties"]["document"]["properties"]["publisher"]
    return schema


def _public_set(orgs: Orgs) -> dict[str, Any]:
    """One advisory of each kind of visibility."""
    clear = make_advisory(orgs.cert, cves=[CVE], products=[PRODUCT])
    publish(clear)
    announcement = make_advisory(orgs.cert, kind=AdvisoryKind.ANNOUNCEMENT)
    publish(announcement)
    hidden = {}
    for tlp in (TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED):
        advisory = make_advisory(orgs.cert, tlp=tlp, cves=[CVE], products=[PRODUCT])
        publish(advisory)
        hidden[str(tlp)] = advisory
    hidden["draft"] = make_advisory(orgs.cert)
    withdrawn = make_advisory(orgs.cert)
    publish(withdrawn)
    withdrawn.status = AdvisoryStatus.WITHDRAWN
    withdrawn.save()
    hidden["withdrawn"] = withdrawn
    return {"public": [clear, announcement], "hidden": hidden}


def test_provider_metadata_is_valid(orgs: Orgs, client: Client) -> None:
    _public_set(orgs)
    response = client.get(f"{BASE}/provider-metadata.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    metadata = response.json()
    errors = list(
        Draft202012Validator(csaf20_provider_schema(), format_checker=FormatChecker()).iter_errors(
            metadata
        )
    )
    assert errors == [], [error.message for error in errors]
    assert metadata["metadata_version"] == "2.0"
    assert metadata["role"] == "csaf_provider"
    assert metadata["canonical_url"].endswith("/.well-known/csaf/provider-metadata.json")
    assert metadata["distributions"] == [
        {"directory_url": metadata["canonical_url"].replace("provider-metadata.json", "white/")}
    ]
    assert metadata["public_openpgp_keys"] == []
    assert metadata["publisher"]["category"] == "coordinator"
    assert metadata["last_updated"].endswith("Z")


def test_schema_rebuild_refuses_bad_metadata() -> None:
    """The rebuilt schema is a real check: it refuses what 2.0 forbids."""
    validator = Draft202012Validator(csaf20_provider_schema(), format_checker=FormatChecker())
    bad = {"canonical_url": "https://x.test/other.json", "metadata_version": "2.1", "role": "x"}
    messages = " ".join(error.message for error in validator.iter_errors(bad))
    assert "last_updated" in messages
    assert "publisher" in messages
    assert "'2.0'" in messages


def test_directory_holds_public_advisories_only(orgs: Orgs, client: Client) -> None:
    advisories = _public_set(orgs)
    index = client.get(f"{BASE}/white/index.txt")
    assert index.status_code == 200
    assert index["Content-Type"].startswith("text/plain")
    lines = index.content.decode().splitlines()
    expected = sorted(f"2026/{a.tracking_id.lower()}.json" for a in advisories["public"])
    assert sorted(lines) == expected

    changes = client.get(f"{BASE}/white/changes.csv").content.decode().splitlines()
    assert sorted(line.split(",")[0].strip('"') for line in changes) == expected
    dates = [line.split(",")[1].strip('"') for line in changes]
    assert dates == sorted(dates, reverse=True)  # newest first

    for line in lines:
        document = client.get(f"{BASE}/white/{line}")
        assert document.status_code == 200
        data = document.json()
        assert csaf_problems(data) == []
        assert data["document"]["lang"] == "en"
        assert data["document"]["distribution"]["tlp"]["label"] == "WHITE"
        for algorithm in ("sha256", "sha512"):
            digest = client.get(f"{BASE}/white/{line}.{algorithm}").content.decode()
            expected_digest = hashlib.new(algorithm, document.content).hexdigest()
            assert digest == f"{expected_digest}  {line.split('/')[1]}\n"

    for name, advisory in advisories["hidden"].items():
        path = f"{BASE}/white/2026/{advisory.tracking_id.lower()}.json"
        assert client.get(path).status_code == 404, name
        assert client.get(path + ".sha256").status_code == 404, name
        for listing in (index.content.decode(), "\n".join(changes)):
            assert advisory.tracking_id.lower() not in listing, name


def test_directory_url_lists_index(orgs: Orgs, client: Client) -> None:
    advisories = _public_set(orgs)
    body = client.get(f"{BASE}/white/").content.decode()
    for advisory in advisories["public"]:
        assert advisory.tracking_id.lower() in body


def test_wrong_year_or_name_is_not_found(orgs: Orgs, client: Client) -> None:
    advisory = make_advisory(orgs.cert)
    publish(advisory)
    name = f"{advisory.tracking_id.lower()}.json"
    assert client.get(f"{BASE}/white/2026/{name}").status_code == 200
    assert client.get(f"{BASE}/white/2025/{name}").status_code == 404
    assert client.get(f"{BASE}/white/2026/{name}.md5").status_code == 404
    assert client.get(f"{BASE}/white/2026/NOT-LOWER.json").status_code == 404
    assert client.get(f"{BASE}/amber/2026/{name}").status_code == 404


def test_empty_directory(client: Client, db: Any) -> None:
    assert client.get(f"{BASE}/white/index.txt").content == b""
    assert client.get(f"{BASE}/white/changes.csv").content == b""
    assert client.get(f"{BASE}/provider-metadata.json").status_code == 200


def test_csaf_tool_audits_the_directory_tree(orgs: Orgs, client: Client, tmp_path: Path) -> None:
    """``csaf distribute audit`` (the csaf package's check of the year folders, index.txt and
    changes.csv: every listed file exists, newest first) on a copy of the directory as served."""
    cli = Path(sys.executable).with_name("csaf")
    if not cli.exists():
        pytest.skip("the csaf command line is not installed next to this interpreter")
    _public_set(orgs)
    root = tmp_path / "white"
    root.mkdir()
    (root / "index.txt").write_bytes(client.get(f"{BASE}/white/index.txt").content)
    # CSAF 2.0 (7.1.13) writes "path","date"; 2.1, which the tool audits, swapped the columns.
    changes = client.get(f"{BASE}/white/changes.csv").content.decode().splitlines()
    swapped = [",".join(reversed(line.split(","))) for line in changes]
    (root / "changes.csv").write_text("".join(f"{line}\n" for line in swapped))
    for line in (root / "index.txt").read_text().splitlines():
        target = root / line
        target.parent.mkdir(exist_ok=True)
        for suffix in ("", ".sha256", ".sha512"):
            (root / f"{line}{suffix}").write_bytes(
                client.get(f"{BASE}/white/{line}{suffix}").content
            )
    result = subprocess.run(
        [str(cli), "distribute", "audit", "--format", "json", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
