"""``siaga publish_stix``: (re)publish Siaga's own indicators and sightings into the STIX store.

Safe to run at any time: objects that did not change get no new version. Use it after a restore,
or once after installing, so that TAXII collections serve everything already in the store.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from siaga.stix.publish import publish_everything


class Command(BaseCommand):
    help = "Publish Siaga's own indicators and sightings into the STIX store (new versions only)."

    def handle(self, *args: Any, **options: Any) -> None:
        written = publish_everything()
        self.stdout.write(
            f"{written['indicators']} indicator version(s), "
            f"{written['sightings']} sighting version(s) written."
        )
