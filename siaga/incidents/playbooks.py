"""Playbooks: the task lists the CERT applies to an incident of a known kind.

Each playbook is a list of tasks, grouped by the lifecycle phase they belong to, each with a due
time counted in hours from the moment the playbook is applied. They encode the health sector's
recurring cases (../shared/DOMAIN.md §7): ransomware on hospital systems, phishing and malspam,
personal-data breaches (with the 3 x 24-hour notice), DDoS, web defacement, compromised accounts
and vulnerable or exposed medical devices. Tasks are created in the language of the analyst who
applies the playbook; the texts here are translated like every other string.

A playbook suggests itself for incidents of the RSIT types and health tags it lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PlaybookTask:
    title: str | Promise
    phase: str  # an incident status: triage, analysis, containment, eradication, recovery, closed
    due_hours: int | None = None


@dataclass(frozen=True)
class Playbook:
    slug: str
    name: str | Promise
    description: str | Promise
    rsit_types: frozenset[str] = frozenset()
    health_tags: frozenset[str] = frozenset()
    tasks: tuple[PlaybookTask, ...] = field(default_factory=tuple)


T = PlaybookTask

RANSOMWARE = Playbook(
    "ransomware",
    _("Ransomware"),
    _(
        "Encrypted hospital systems: contain the spread, keep patient care running, recover from clean backups."
    ),
    rsit_types=frozenset({"system-compromise", "infected-system", "data-loss"}),
    health_tags=frozenset({"ransomware"}),
    tasks=(
        T(
            _(
                "Confirm with the hospital which systems are encrypted and whether patient care is affected"
            ),
            "triage",
            1,
        ),
        T(
            _(
                "Advise isolating affected hosts from the network; do not switch them off (keep memory evidence)"
            ),
            "containment",
            2,
        ),
        T(
            _(
                "Ask the hospital to activate downtime procedures for SIMRS, laboratory and radiology"
            ),
            "containment",
            2,
        ),
        T(
            _("Disable accounts and VPN access used by the attacker; reset privileged passwords"),
            "containment",
            4,
        ),
        T(_("Collect the ransom note, sample encrypted files and logs as evidence"), "analysis", 8),
        T(_("Identify the ransomware family and the initial access vector"), "analysis", 24),
        T(
            _(
                "Check whether patient data was exfiltrated (leak sites, outbound traffic); start the personal-data clock if so"
            ),
            "analysis",
            24,
        ),
        T(
            _("Verify that backups are intact and free of the malware before restoring"),
            "eradication",
            24,
        ),
        T(_("Rebuild or clean affected systems and restore from verified backups"), "recovery", 72),
        T(_("Share indicators with the coordination group and other hospitals"), "recovery", 48),
        T(_("Hold a lessons-learned review with the hospital"), "closed", 336),
    ),
)

PHISHING = Playbook(
    "phishing",
    _("Phishing and malspam"),
    _(
        "Deceptive e-mail aimed at staff: find who received and clicked, block, and warn the sector."
    ),
    rsit_types=frozenset({"phishing", "spam", "malware-distribution", "social-engineering"}),
    tasks=(
        T(_("Obtain the original e-mail with full headers (.eml)"), "triage", 2),
        T(_("Extract sender, URLs, attachments and hashes as observables"), "analysis", 4),
        T(
            _("Find out which staff received the e-mail and who clicked or opened the attachment"),
            "analysis",
            8,
        ),
        T(_("Block the sender, URLs and domains at the mail gateway and proxy"), "containment", 8),
        T(
            _("Reset the passwords of staff who entered credentials and check their sign-ins"),
            "containment",
            8,
        ),
        T(_("Request takedown of the phishing site"), "eradication", 24),
        T(_("Warn other constituents if the campaign targets the health sector"), "recovery", 24),
    ),
)

PERSONAL_DATA_BREACH = Playbook(
    "personal-data-breach",
    _("Personal-data breach"),
    _(
        "Patient or staff data exposed: stop the leak, assess what was exposed, meet the 3 x 24-hour notice."
    ),
    rsit_types=frozenset({"data-leak", "unauthorised-information-access", "data-loss"}),
    health_tags=frozenset({"patient_data_breach"}),
    tasks=(
        T(
            _("Record when the breach was discovered: the 3 x 24-hour clock starts then"),
            "triage",
            1,
        ),
        T(
            _(
                "Stop the exposure (close the open storage or database, revoke the leaked credentials)"
            ),
            "containment",
            4,
        ),
        T(
            _("Establish which personal data and how many data subjects are affected"),
            "analysis",
            24,
        ),
        T(_("Establish when and how the data were exposed"), "analysis", 24),
        T(
            _("Prepare the written notice to the data subjects and the data-protection authority"),
            "analysis",
            48,
        ),
        T(_("Send the notice and record when and to whom it was sent"), "recovery", 72),
        T(_("Check leak sites and forums for the data being offered"), "recovery", 72),
    ),
)

DDOS = Playbook(
    "ddos",
    _("DDoS"),
    _(
        "Services made unavailable by traffic floods: keep essential services reachable and trace the attack."
    ),
    rsit_types=frozenset({"dos", "ddos"}),
    tasks=(
        T(_("Confirm which services are unavailable and since when"), "triage", 1),
        T(_("Collect traffic samples, attack vectors and source addresses"), "analysis", 4),
        T(_("Ask the upstream provider to filter or scrub the traffic"), "containment", 2),
        T(
            _(
                "Keep patient-facing services reachable (alternative address, rate limits, CDN of the provider)"
            ),
            "containment",
            4,
        ),
        T(_("Report abusive sources to their networks' abuse contacts"), "eradication", 48),
        T(_("Review capacity and protection with the hospital"), "closed", 336),
    ),
)

WEB_DEFACEMENT = Playbook(
    "web-defacement",
    _("Web defacement"),
    _(
        "A constituent's website altered by an attacker: take it offline, find the way in, restore it clean."
    ),
    rsit_types=frozenset({"application-compromise", "unauthorised-information-modification"}),
    tasks=(
        T(_("Capture the defaced page (screenshot, HTML) as evidence"), "triage", 1),
        T(
            _("Ask the constituent to take the site offline or show a maintenance page"),
            "containment",
            2,
        ),
        T(_("Collect web server and application logs"), "analysis", 8),
        T(
            _("Find the vulnerability or credentials used (outdated CMS, plug-ins, upload forms)"),
            "analysis",
            24,
        ),
        T(_("Look for web shells and other back doors"), "eradication", 24),
        T(_("Restore the site from a clean copy with the vulnerability fixed"), "recovery", 48),
    ),
)

COMPROMISED_ACCOUNT = Playbook(
    "compromised-account",
    _("Compromised account"),
    _(
        "An account used by someone else: lock it, find what was done with it, restore it with a second factor."
    ),
    rsit_types=frozenset(
        {"privileged-account-compromise", "unprivileged-account-compromise", "brute-force"}
    ),
    tasks=(
        T(_("Lock the account and end its sessions and tokens"), "containment", 1),
        T(
            _("Review sign-ins: sources, times, what was accessed (SIMRS, e-mail, VPN, SATUSEHAT)"),
            "analysis",
            8,
        ),
        T(
            _(
                "Check whether patient records were viewed or exported; start the personal-data clock if so"
            ),
            "analysis",
            24,
        ),
        T(
            _("Reset the password, enrol a second factor and return the account to its owner"),
            "recovery",
            24,
        ),
        T(
            _(
                "Find how the credentials were obtained (phishing, reuse, malware) and close that way in"
            ),
            "eradication",
            48,
        ),
    ),
)

VULNERABLE_MEDICAL_DEVICE = Playbook(
    "vulnerable-medical-device",
    _("Vulnerable medical device"),
    _(
        "A medical device with a known vulnerability or exposed to the internet: shield it without stopping care."
    ),
    rsit_types=frozenset(
        {"vulnerable-system", "potentially-unwanted-accessible", "information-disclosure"}
    ),
    health_tags=frozenset({"medical_device"}),
    tasks=(
        T(
            _("Identify the device, its vendor, model and software version, and where it is used"),
            "triage",
            4,
        ),
        T(
            _(
                "Check whether it is reachable from the internet (DICOM 104/11112, HL7 2575, web or remote-support interfaces)"
            ),
            "analysis",
            8,
        ),
        T(_("Look up the vendor's advisory and any known exploitation"), "analysis", 24),
        T(
            _("Restrict network access to the device (segment, firewall, disable remote support)"),
            "containment",
            24,
        ),
        T(
            _(
                "Agree with the vendor and clinical engineering when the patch can be applied without interrupting care"
            ),
            "eradication",
            168,
        ),
        T(_("Confirm the patch or mitigation and record it in the inventory"), "recovery", 336),
    ),
)

PLAYBOOKS: dict[str, Playbook] = {
    playbook.slug: playbook
    for playbook in (
        RANSOMWARE,
        PHISHING,
        PERSONAL_DATA_BREACH,
        DDOS,
        WEB_DEFACEMENT,
        COMPROMISED_ACCOUNT,
        VULNERABLE_MEDICAL_DEVICE,
    )
}


def suggested_playbooks(rsit_type: str, health_tags: list[str]) -> list[Playbook]:
    """Playbooks that fit the incident's type or tags, the best fit (both) first."""
    tags = set(health_tags)

    def fit(playbook: Playbook) -> int:
        return (rsit_type in playbook.rsit_types) + 2 * bool(playbook.health_tags & tags)

    return sorted((p for p in PLAYBOOKS.values() if fit(p)), key=lambda p: -fit(p))
