"""Demo data: a NIST CSF 2.0 campaign created and sent by the demo lead to the demo health-care
facilities (hospital, puskesmas, laboratory); the hospital's administrator answers every question
and submits, and the lead accepts, so the result page, the PDF and the dashboards have a result."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from siaga.accounts.models import User
from siaga.assessments import actions
from siaga.assessments.choices import AssessmentStatus
from siaga.assessments.models import Assessment, Campaign, Framework
from siaga.organizations.choices import ConstituentType

LEAD = "lead@csirt.siaga.example"
HOSPITAL_ADMIN = "admin@rsud-ss.siaga.example"
HOSPITAL = "RSUD Sehat Sentosa"
CAMPAIGN = "Penilaian NIST CSF 2.0 fasilitas kesehatan 2026"
KINDS = (ConstituentType.HOSPITAL, ConstituentType.CLINIC, ConstituentType.LABORATORY)
# A plausible hospital: strong on governance basics, weaker on detection and recovery.
PATTERN = ("fully", "largely", "largely", "partial", "fully", "not", "largely", "partial")


def load_demo() -> Campaign | None:
    """The campaign (made once); None when the demo users or the hospital are missing."""
    existing = Campaign.objects.filter(name=CAMPAIGN).first()
    if existing is not None:
        return existing
    lead = User.objects.filter(email=LEAD).first()
    admin = User.objects.filter(email=HOSPITAL_ADMIN).first()
    if lead is None or admin is None:
        return None
    actions.ensure_builtin_frameworks()
    framework = Framework.objects.get(slug="nist-csf", version="2.0")
    facilities = list(actions.constituents().filter(constituent_type__in=KINDS))
    if not any(org.name == HOSPITAL for org in facilities):
        return None
    campaign = actions.check_create_campaign(
        lead,
        {
            "name": CAMPAIGN,
            "framework": framework,
            "deadline": timezone.localdate() + timedelta(days=30),
            "organizations": facilities,
        },
    )
    actions.check_send(lead, campaign)
    assessment = Assessment.objects.get(campaign=campaign, organization__name=HOSPITAL)
    definition = actions.definition_of(assessment)
    entries = {
        question.id: actions.Entry(PATTERN[index % len(PATTERN)])
        for index, question in enumerate(definition.questions())
    }
    actions.check_save_answers(admin, assessment, entries)
    actions.check_submit(admin, assessment)
    assessment.refresh_from_db()
    if assessment.status == AssessmentStatus.SUBMITTED:
        actions.check_accept(lead, assessment, "Diterima. Terima kasih.")
    return campaign
