"""Demo data: the CISA KEV catalog and the medical-device CSAF advisories of
``../shared/data`` when the checkout has them (a user's clone has not), then one matching run so
the demo hospital's inventory shows its findings at once."""

from __future__ import annotations

from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def load_shared_vulnerabilities(data: Path = SHARED_DATA) -> bool:
    """Import KEV and the ICSMA CSAF files and match inventories; False when they are absent.
    Idempotent: the importers change nothing the second time."""
    from siaga.exposures.actions import do_match_all
    from siaga.vulns.importers.csaf import import_csaf_files
    from siaga.vulns.importers.kev import import_kev

    kev = data / "kev" / "known_exploited_vulnerabilities.json"
    icsma = data / "csaf" / "icsma"
    if not (kev.is_file() and icsma.is_dir()):
        return False
    import_kev(kev)
    import_csaf_files(sorted(icsma.glob("*.json")))
    # The demo needs no worker: matched here, e-mails queued as any others.
    do_match_all()
    return True
