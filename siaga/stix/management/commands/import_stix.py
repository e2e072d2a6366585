"""``siaga import_stix FILE --organization ORG --tlp TLP --distribution DIST [--sharing-group G]``.

Streams a STIX 2.0/2.1 bundle file into the store (any size: the file is never loaded whole)
and prints what was added, repeated and refused. The organization and sharing group are given
by id or exact name. The exit status is 1 when any object was refused.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import SharingGroup, validate_sharing
from siaga.stix.actions import do_import_file
from siaga.stix.importer import SharingLabels


def _by_id_or_name(model: Any, value: str, what: str) -> Any:
    rows = (
        model.objects.filter(pk=int(value)) if value.isdigit() else model.objects.filter(name=value)
    )
    found = rows.first()
    if found is None:
        raise CommandError(f"no {what} {value!r}")
    return found


class Command(BaseCommand):
    help = "Import a STIX 2.0/2.1 bundle file into the STIX store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A STIX bundle (JSON).")
        parser.add_argument(
            "--organization", required=True, help="Source organization (id or name)."
        )
        parser.add_argument("--tlp", required=True, choices=TLP.values)
        parser.add_argument("--distribution", required=True, choices=Distribution.values)
        parser.add_argument("--sharing-group", help="Sharing group (id or name).")
        parser.add_argument("--quiet", action="store_true", help="Print only the summary.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        organization = _by_id_or_name(Organization, options["organization"], "organization")
        group = None
        if options["sharing_group"]:
            group = _by_id_or_name(SharingGroup, options["sharing_group"], "sharing group")
        try:
            validate_sharing(options["tlp"], options["distribution"], group)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        labels = SharingLabels(organization, options["tlp"], options["distribution"], group)
        result = do_import_file(path, labels, source=path.name, progress=self._progress(options))
        for problem in result.failures:
            self.stderr.write(f"object {problem.index} {problem.stix_id or ''}: {problem.message}")
        if result.unlisted_failures:
            self.stderr.write(f"... and {result.unlisted_failures} more problems")
        self.stdout.write(
            f"{path.name}: {result.added} added ({result.custom} custom), {result.duplicates} "
            f"already stored, {result.failed} refused, {result.pending_references} pending "
            f"references, {result.indicators_derived} indicators derived"
        )
        if result.failed:
            sys.exit(1)

    def _progress(self, options: dict[str, Any]) -> Any:
        if options["quiet"] or options["verbosity"] < 2:
            return None

        def report(objects: int, done: int, total: int) -> None:
            share = f" ({done * 100 // total}%)" if total else ""
            self.stderr.write(f"{objects} objects{share}")

        return report
