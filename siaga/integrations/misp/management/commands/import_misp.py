"""``siaga import_misp PATH --organization NAME [--tlp amber] [--distribution organization]
[--sharing-group NAME]``: import a MISP event file, a feed directory or a feed .zip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from siaga.integrations.misp.actions import do_import
from siaga.integrations.misp.importer import ImportDefaults
from siaga.integrations.misp.parser import MispFormatError, load_event_bytes
from siaga.integrations.misp.sources import DirectoryFeed, ZipFeed, feed_events
from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import SharingGroup, validate_sharing


class Command(BaseCommand):
    help = "Import a MISP event (.json), a MISP feed directory or a feed as a .zip."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--organization", required=True, help="Source organization (name or id)."
        )
        parser.add_argument(
            "--tlp", default=TLP.AMBER, choices=[t for t in TLP.values if t != TLP.RED]
        )
        parser.add_argument(
            "--distribution", default=Distribution.ORGANIZATION, choices=Distribution.values
        )
        parser.add_argument("--sharing-group", default="", help="Sharing group name.")

    def handle(self, *args: Any, **options: Any) -> None:
        defaults = ImportDefaults(
            organization=_organization(options["organization"]),
            tlp=options["tlp"],
            distribution=options["distribution"],
            sharing_group=_group(options["sharing_group"]),
        )
        try:
            validate_sharing(defaults.tlp, defaults.distribution, defaults.sharing_group)
            result = do_import(_events(options["path"]), defaults, label=str(options["path"]))
        except (ValidationError, MispFormatError) as exc:
            messages = getattr(exc, "messages", [str(exc)])
            raise CommandError(" ".join(str(m) for m in messages)) from None
        self.stdout.write(
            f"{len(result.events)} events: {result.created} indicators created, "
            f"{result.updated} updated, {result.unchanged} unchanged, {result.sightings} sightings"
        )
        for line in result.not_imported_lines:
            self.stdout.write(line)
        for problem in result.problems:
            self.stdout.write(f"problem: {problem}")


def _events(path: Path) -> Any:
    if path.is_dir():
        return feed_events(DirectoryFeed(path))
    if not path.is_file():
        raise CommandError(f"{path} is neither a file nor a directory.")
    data = path.read_bytes()
    if path.suffix.lower() == ".zip":
        return feed_events(ZipFeed(data))
    return [load_event_bytes(data)]


def _organization(value: str) -> Organization:
    organization = Organization.objects.filter(name=value).first()
    if organization is None and value.isdigit():
        organization = Organization.objects.filter(pk=int(value)).first()
    if organization is None:
        raise CommandError(f"No organization named {value!r}.")
    return organization


def _group(name: str) -> SharingGroup | None:
    if not name:
        return None
    group = SharingGroup.objects.filter(name=name, is_active=True).first()
    if group is None:
        raise CommandError(f"No active sharing group named {name!r}.")
    return group
