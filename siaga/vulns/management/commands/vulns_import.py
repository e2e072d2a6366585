"""``siaga vulns_import [--kev FILE] [--cve FILE_OR_DIR ...] [--epss FILE]``: import public
vulnerability data (CISA KEV catalog, CVE JSON 5 records, FIRST EPSS scores).

Prints the counts of each import and the first 20 problems (what was skipped and why). KEV runs
first and EPSS last, since EPSS only updates vulnerabilities that are already known. The exit
status is 1 when a file was refused as a whole.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from siaga.vulns.importers import ImportResult
from siaga.vulns.importers.cve5 import import_cve_files
from siaga.vulns.importers.epss import import_epss
from siaga.vulns.importers.kev import import_kev

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = "Import the CISA KEV catalog, CVE JSON 5 records and EPSS scores."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kev", type=Path, help="The KEV catalog JSON file.")
        parser.add_argument(
            "--cve", type=Path, nargs="+", default=[], help="CVE JSON 5 files or directories."
        )
        parser.add_argument("--epss", type=Path, help="An EPSS scores CSV file (gzip'd or not).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (options["kev"] or options["cve"] or options["epss"]):
            raise CommandError("name at least one of --kev, --cve, --epss")
        refused = False
        if options["kev"]:
            refused |= self._report("KEV", import_kev(options["kev"]))
        if options["cve"]:
            refused |= self._report("CVE", import_cve_files(options["cve"]))
        if options["epss"]:
            refused |= self._report("EPSS", import_epss(options["epss"]))
        if refused:
            sys.exit(1)

    def _report(self, kind: str, result: ImportResult) -> bool:
        for error in result.errors:
            self.stderr.write(f"{kind}: {result.source}: refused: {error}")
        if result.errors:
            return True
        delisted = f", {result.delisted} no longer listed" if kind == "KEV" else ""
        self.stdout.write(
            f"{kind}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.skipped} skipped{delisted}"
        )
        for problem in result.problems[:SHOWN_PROBLEMS]:
            self.stdout.write(f"  {problem}")
        if len(result.problems) > SHOWN_PROBLEMS:
            self.stdout.write(f"  ... and {len(result.problems) - SHOWN_PROBLEMS} more")
        return False
