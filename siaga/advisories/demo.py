"""Demo data: one bilingual announcement, written by the demo analyst and published by the demo
lead through the same workflow as any other (four eyes), sent to every constituent, so the
advisories pages and the hospital's portal are not empty on a fresh ``make run``."""

from __future__ import annotations

from siaga.accounts.models import User
from siaga.advisories import actions
from siaga.advisories.choices import AdvisoryKind, AdvisorySeverity
from siaga.advisories.models import Advisory
from siaga.sharing.choices import TLP

AUTHOR = "analyst@csirt.siaga.example"
APPROVER = "lead@csirt.siaga.example"
TITLE_EN = "Ransomware groups target hospital remote access"
ANNOUNCEMENT = {
    "kind": AdvisoryKind.ANNOUNCEMENT,
    "severity": AdvisorySeverity.HIGH,
    "tlp": TLP.CLEAR,
    "title_en": TITLE_EN,
    "title_id": "Kelompok ransomware menyasar akses jarak jauh rumah sakit",
    "summary_en": (
        "Ransomware groups are getting into hospitals through remote-access gateways and VPNs "
        "without a second factor. Check yours this week."
    ),
    "summary_id": (
        "Kelompok ransomware masuk ke rumah sakit melalui gateway akses jarak jauh dan VPN tanpa "
        "faktor kedua. Periksa milik Anda minggu ini."
    ),
    "description_en": (
        "The CERT has handled several incidents in which attackers signed in to a hospital's "
        "remote-access gateway with stolen passwords, then encrypted the hospital information "
        "system and the PACS."
    ),
    "description_id": (
        "CERT menangani beberapa insiden ketika penyerang masuk ke gateway akses jarak jauh "
        "rumah sakit dengan kata sandi curian, lalu mengenkripsi SIMRS dan PACS."
    ),
    "remediation_en": (
        "Require a second factor for every remote access. Update gateways and VPNs. Keep offline "
        "backups of the hospital information system and test restoring them."
    ),
    "remediation_id": (
        "Wajibkan faktor kedua untuk setiap akses jarak jauh. Perbarui gateway dan VPN. Simpan "
        "cadangan SIMRS secara offline dan uji pemulihannya."
    ),
    "target_all": True,
    "target_inventory": False,
}


def load_advisories_demo() -> Advisory | None:
    """The published announcement (made once); None when the demo users are missing."""
    existing = Advisory.objects.filter(title_en=TITLE_EN).first()
    if existing is not None:
        return existing
    author = User.objects.filter(email=AUTHOR).first()
    approver = User.objects.filter(email=APPROVER).first()
    if author is None or approver is None:
        return None
    advisory = actions.check_create_advisory(author, ANNOUNCEMENT)
    actions.check_submit(author, advisory)
    return actions.check_approve(approver, advisory)
