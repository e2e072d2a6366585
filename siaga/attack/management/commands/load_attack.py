"""``siaga load_attack FILE...``: load ATT&CK techniques from MITRE's STIX bundles.

Each file fills the technique pick-list (``siaga.attack.loader``) and, unless ``--no-stix``, is
also imported into the STIX store as public reference data: TLP:CLEAR, distribution public,
source organization the CERT (the first organization of kind "cert").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from siaga.attack.loader import AttackBundleError, load_attack_bundle
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization


class Command(BaseCommand):
    help = "Load MITRE ATT&CK techniques from STIX bundle files (enterprise, ICS, mobile)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="ATT&CK STIX 2.1 bundle files.")
        parser.add_argument(
            "--no-stix",
            action="store_true",
            help="Only fill the technique list; do not import the bundle into the STIX store.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["files"]:
            try:
                result = load_attack_bundle(path)
            except AttackBundleError as exc:
                raise CommandError(f"{path}: {exc}") from None
            domains = ", ".join(f"{name} {count}" for name, count in sorted(result.domains.items()))
            self.stdout.write(
                f"{path.name}: {result.techniques} techniques ({domains}): {result.added} added, "
                f"{result.updated} updated, {result.unchanged} unchanged, {result.older} older "
                f"than stored, {result.skipped} skipped"
            )
            if not options["no_stix"]:
                self.import_into_stix_store(path)

    def import_into_stix_store(self, path: Path) -> None:
        from siaga.sharing.choices import TLP, Distribution
        from siaga.stix.importer import SharingLabels, import_bundle_file

        cert = Organization.objects.filter(kind=OrganizationKind.CERT).order_by("pk").first()
        if cert is None:
            self.stderr.write(
                f"{path.name}: no CERT organization yet; not imported into the STIX store."
            )
            return
        labels = SharingLabels(organization=cert, tlp=TLP.CLEAR, distribution=Distribution.PUBLIC)
        result = import_bundle_file(path, labels, source=f"load_attack:{path.name}")
        self.stdout.write(
            f"{path.name}: STIX store: {result.added} added, {result.duplicates} already stored, "
            f"{result.failed} failed"
        )
        for problem in result.failures[:20]:
            self.stderr.write(f"  object {problem.index} ({problem.stix_id}): {problem.message}")
