"""Demo data of the coordination group: representatives of the five member agencies and the CERT,
an approved terms of reference v1 and a draft v2, one meeting with decisions and action items, a
week of on-call shifts and one tabletop exercise. Written through the same actions as the pages;
made once (a second run finds the terms of reference and leaves everything as it is)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from siaga.accounts.models import User
from siaga.governance import actions
from siaga.governance.choices import (
    ActionStatus,
    AttendanceStatus,
    ExerciseKind,
    ExerciseStatus,
    FindingSeverity,
    MeetingKind,
    RepresentativeRole,
)
from siaga.governance.models import Representative, TermsOfReference
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

LEAD = "lead@csirt.siaga.example"
ANALYST = "analyst@csirt.siaga.example"
ADMIN = "admin@csirt.siaga.example"
# The group's five agencies; the core demo has three of them, the other two are added here.
AGENCIES = [
    ("Kementerian Kesehatan (contoh)", "KEMENKES"),
    ("Badan Siber Nasional (contoh)", "BSN"),
    ("Badan Penyelenggara Jaminan Kesehatan (contoh)", "BPJK"),
    ("Direktorat Tindak Pidana Siber Kepolisian (contoh)", "DITSIBER"),
    ("Lembaga Pelindungan Data Pribadi (contoh)", "LPDP"),
]
PEOPLE = [  # (agency short name, name, role, phone)
    ("KEMENKES", "Hendra Wijaya", RepresentativeRole.PRINCIPAL, "+62 21 5550 1001"),
    ("KEMENKES", "Intan Permata", RepresentativeRole.ALTERNATE, "+62 21 5550 1002"),
    ("BSN", "Joko Susilo", RepresentativeRole.PRINCIPAL, "+62 21 5550 2001"),
    ("BSN", "Kartika Sari", RepresentativeRole.TECHNICAL, "+62 21 5550 2002"),
    ("BPJK", "Lukman Hakim", RepresentativeRole.PRINCIPAL, "+62 21 5550 3001"),
    ("DITSIBER", "Maya Anggraini", RepresentativeRole.PRINCIPAL, "+62 21 5550 4001"),
    ("LPDP", "Nanda Pratama", RepresentativeRole.PRINCIPAL, "+62 21 5550 5001"),
]
TOR_V1 = {
    "body_id": (
        "1. Kelompok koordinasi mengoordinasikan pelindungan data kesehatan dan keamanan siber "
        "sektor kesehatan.\n2. CSIRT Sektor Kesehatan bertindak sebagai sekretariat.\n"
        "3. Kelompok bertemu setiap tiga bulan dan dalam keadaan darurat."
    ),
    "body_en": (
        "1. The coordination group coordinates health data protection and cyber security in the "
        "health sector.\n2. The Health-CSIRT acts as the secretariat.\n"
        "3. The group meets every three months and in emergencies."
    ),
    "change_summary_id": "Versi pertama.",
    "change_summary_en": "First version.",
}
TOR_V2_CHANGE = {
    "change_summary_id": "Menambahkan rapat luar biasa dalam 24 jam untuk insiden besar.",
    "change_summary_en": "Adds an extraordinary meeting within 24 hours for a major incident.",
}


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _agencies() -> dict[str, Organization]:
    found = {}
    for name, short in AGENCIES:
        org, _created = Organization.objects.get_or_create(
            name=name,
            defaults={"short_name": short, "kind": OrganizationKind.MEMBER_AGENCY},
        )
        found[short] = org
    return found


def _representatives(lead: User, agencies: dict[str, Organization]) -> list[Representative]:
    reps = []
    for short, name, role, phone in PEOPLE:
        slug = name.split()[0].lower()
        data: dict[str, Any] = {
            "organization": agencies[short],
            "user": None,
            "name": name,
            "email": f"{slug}@{short.lower()}.siaga.example",
            "phone": phone,
            "role": role,
            "active_from": date(2026, 1, 1),
            "active_until": None,
        }
        reps.append(actions.check_save_representative(lead, data))
    cert = Organization.objects.filter(kind=OrganizationKind.CERT).first()
    if cert is not None:
        data = {
            "organization": cert,
            "user": lead,
            "name": "",
            "email": "",
            "phone": "",
            "role": RepresentativeRole.PRINCIPAL,
            "active_from": date(2026, 1, 1),
            "active_until": None,
        }
        reps.append(actions.check_save_representative(lead, data))
    return reps


def _approve_everywhere(lead: User, version: Any) -> None:
    """v1 approved on behalf of every organization (the demo has no user in each agency)."""
    version = actions.check_submit(lead, version)
    actions.do_record_approvals(version, actions.pending_organizations(version), lead)


def _terms(lead: User) -> None:
    v1 = actions.check_create_draft(lead, {**TOR_V1, "effective_date": date(2026, 1, 15)})
    _approve_everywhere(lead, v1)
    body_id = (
        TOR_V1["body_id"] + "\n4. Untuk insiden besar, rapat luar biasa diadakan dalam 24 jam."
    )
    body_en = (
        TOR_V1["body_en"]
        + "\n4. For a major incident, an extraordinary meeting is held within 24 hours."
    )
    actions.check_create_draft(lead, {"body_id": body_id, "body_en": body_en, **TOR_V2_CHANGE})


def _meeting(lead: User, reps: list[Representative], owner: User) -> None:
    starts = timezone.make_aware(
        datetime.combine(timezone.localdate() - timedelta(days=7), time(9))
    )
    meeting = actions.check_save_meeting(
        lead,
        {
            "title": "Rapat koordinasi triwulan I",
            "kind": MeetingKind.REGULAR,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "place": "Ruang rapat CSIRT, Jakarta",
            "link": "",
            "minutes_id": "Kelompok membahas insiden ransomware di rumah sakit dan rencana latihan.",
            "minutes_en": "The group discussed ransomware incidents at hospitals and the exercise plan.",
            "agenda": ["Situasi ancaman sektor kesehatan", "Rencana latihan tabletop", "Lain-lain"],
        },
    )
    statuses: dict[int, str] = {rep.pk: AttendanceStatus.PRESENT for rep in reps}
    if reps:
        statuses[reps[-2].pk] = AttendanceStatus.APOLOGIES
    actions.check_record_attendance(lead, meeting, statuses)
    first = actions.check_add_decision(
        lead,
        meeting,
        {
            "text_id": "Latihan tabletop ransomware diadakan bulan depan.",
            "text_en": "A ransomware tabletop exercise is held next month.",
        },
    )
    actions.check_add_decision(
        lead,
        meeting,
        {
            "text_id": "Setiap anggota menunjuk kontak teknis.",
            "text_en": "Every member names a technical contact.",
        },
    )
    for title, days, status in (
        ("Siapkan skenario latihan tabletop", 5, ActionStatus.IN_PROGRESS),
        ("Edarkan daftar kontak darurat", -1, ActionStatus.OPEN),
    ):
        actions.check_save_action(
            lead,
            {
                "title": title,
                "description": "",
                "owner": owner,
                "organization": None,
                "due_date": timezone.localdate() + timedelta(days=days),
                "status": status,
                "meeting": meeting,
                "decision": first,
                "exercise": None,
            },
        )


def _shifts(lead: User, staff: list[User]) -> None:
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time(8)))
    for day in range(7):
        for half in range(2):
            begins = start + timedelta(days=day, hours=12 * half)
            person = staff[(day * 2 + half) % len(staff)]
            actions.check_save_shift(
                lead,
                {
                    "user": person,
                    "starts_at": begins,
                    "ends_at": begins + timedelta(hours=12),
                    "level": 1,
                    "notes": "",
                },
            )
        actions.check_save_shift(
            lead,
            {
                "user": lead,
                "starts_at": start + timedelta(days=day),
                "ends_at": start + timedelta(days=day + 1),
                "level": 2,
                "notes": "",
            },
        )


def _exercise(lead: User, agencies: dict[str, Organization]) -> None:
    exercise = actions.check_save_exercise(
        lead,
        {
            "kind": ExerciseKind.TABLETOP,
            "title": "Latihan tabletop ransomware rumah sakit",
            "held_on": timezone.localdate() + timedelta(days=30),
            "status": ExerciseStatus.PLANNED,
            "scenario_id": "SIMRS sebuah RSUD terenkripsi ransomware; data pasien diduga bocor.",
            "scenario_en": "A regional hospital's information system is encrypted; patient data may have leaked.",
            "participants": list(agencies.values()),
        },
    )
    actions.check_add_finding(
        lead,
        exercise,
        {"text": "Daftar kontak darurat belum lengkap.", "severity": FindingSeverity.MEDIUM},
    )


def load_demo() -> bool:
    """Create the demo rows once; False when they exist already or the demo users are missing."""
    lead = _user(LEAD)
    if lead is None or TermsOfReference.objects.exists():
        return False
    agencies = _agencies()
    reps = _representatives(lead, agencies)
    _terms(lead)
    cert_staff = [u for u in (_user(ANALYST), _user(ADMIN), lead) if u is not None]
    _meeting(lead, reps, cert_staff[0])
    _shifts(lead, cert_staff)
    _exercise(lead, agencies)
    return True
