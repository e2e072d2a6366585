"""``siaga vulns_import [--kev FILE] [--cve FILE_OR_DIR ...] [--csaf FILE_OR_DIR ...] [--epss FILE]``,
or ``siaga vulns_import KIND PATH...`` (``siaga vulns_import csaf advisories/``): import public
vulnerability data (CISA KEV catalog, CVE JSON 5 records, vendors' CSAF 2.0 advisories, FIRST EPSS
scores).

Prints the counts of each import and the first 20 problems (what was skipped and why). KEV runs
first and EPSS last, since EPSS only updates vulnerabilities that are already known. The exit
status is 1 when a file was refused as a whole (for CSAF: when any document was refused).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from siaga.vulns.importers import ImportResult
from siaga.vulns.importers.csaf import import_csaf_files
from siaga.vulns.importers.cve5 import import_cve_files
from siaga.vulns.importers.epss import import_epss
from siaga.vulns.importers.kev import import_kev

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = "Import the CISA KEV catalog, CVE JSON 5 records, CSAF 2.0 advisories and EPSS scores."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths",
            nargs="*",
            metavar="KIND PATH",
            help="kev, cve, csaf or epss, then the files (or directories, for cve and csaf).",
        )
        parser.add_argument("--kev", type=Path, help="The KEV catalog JSON file.")
        parser.add_argument(
            "--cve", type=Path, nargs="+", default=[], help="CVE JSON 5 files or directories."
        )
        parser.add_argument(
            "--csaf", type=Path, nargs="+", default=[], help="CSAF 2.0 files or directories."
        )
        parser.add_argument("--epss", type=Path, help="An EPSS scores CSV file (gzip'd or not).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["paths"]:
            self._positional(options)
        if not (options["kev"] or options["cve"] or options["csaf"] or options["epss"]):
            raise CommandError("name at least one of --kev, --cve, --csaf, --epss")
        refused = False
        if options["kev"]:
            refused |= self._report("KEV", import_kev(options["kev"]))
        if options["cve"]:
            refused |= self._report("CVE", import_cve_files(options["cve"]))
        if options["csaf"]:
            result = import_csaf_files(options["csaf"])
            refused |= self._report("CSAF", result) or result.skipped > 0
        if options["epss"]:
            refused |= self._report("EPSS", import_epss(options["epss"]))
        if refused:
            sys.exit(1)

    def _positional(self, options: dict[str, Any]) -> None:
        kind, *paths = options["paths"]
        if kind not in ("kev", "cve", "csaf", "epss"):
            raise CommandError(f"{kind!r}: the kind is kev, cve, csaf or epss")
        if not paths:
            raise CommandError(f"{kind}: name the files to import")
        if kind in ("kev", "epss") and len(paths) != 1:
            raise CommandError(f"{kind}: name exactly one file")
        if kind in ("cve", "csaf"):
            options[kind] = [*options[kind], *(Path(path) for path in paths)]
        else:
            options[kind] = Path(paths[0])

    def _report(self, kind: str, result: ImportResult) -> bool:
        for error in result.errors:
            self.stderr.write(f"{kind}: {result.source}: refused: {error}")
        if result.errors:
            return True
        delisted = f", {result.delisted} no longer listed" if kind == "KEV" else ""
        if kind == "CSAF":
            delisted = (
                f"; {result.new_vulnerabilities} new vulnerabilities, "
                f"{result.products} affected products"
            )
        self.stdout.write(
            f"{kind}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.skipped} skipped{delisted}"
        )
        for problem in result.problems[:SHOWN_PROBLEMS]:
            self.stdout.write(f"  {problem}")
        if len(result.problems) > SHOWN_PROBLEMS:
            self.stdout.write(f"  ... and {len(result.problems) - SHOWN_PROBLEMS} more")
        return False
