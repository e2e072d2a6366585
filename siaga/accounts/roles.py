"""Roles and what each may do: the one place that maps a role to its permissions.

A permission is ``<model_name>.<action>`` (``organization.view``, ``job.change``) or a page-level
capability (``audit.export``). Each grant has a scope:

- ``ALL``: every row;
- ``ORG``: rows of the organization in which the user holds the role;
- ``OWN``: rows the user owns (their own jobs, tokens).

``Model.objects.restrict(user, action)`` (``siaga.core.querysets``) turns the grants into a filter.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CERT_ADMIN = "cert_admin", _("CERT administrator")
    CERT_LEAD = "cert_lead", _("CERT lead")
    CERT_ANALYST = "cert_analyst", _("CERT analyst")
    COORD_MEMBER = "coord_member", _("Coordination-group member")
    CONSTITUENT_ADMIN = "constituent_admin", _("Constituent administrator")
    CONSTITUENT_REPORTER = "constituent_reporter", _("Constituent reporter")
    AUDITOR = "auditor", _("Auditor")


class Scope(enum.Enum):
    ALL = "all"
    ORG = "org"
    OWN = "own"


ALL, ORG, OWN = Scope.ALL, Scope.ORG, Scope.OWN

CERT_STAFF_ROLES = frozenset({Role.CERT_ADMIN, Role.CERT_LEAD, Role.CERT_ANALYST})
# Staff and administrators must use a second factor (issue: TOTP mandatory for CERT staff and admins).
TWO_FACTOR_ROLES = CERT_STAFF_ROLES | {Role.CONSTITUENT_ADMIN}

_EVERYONE: dict[str, set[Scope]] = {
    "organization.view": {ORG},
    "membership.view": {ORG},
    "user.view": {ORG},
    "job.view": {OWN},
    "apitoken.view": {OWN},
    "apitoken.add": {OWN},
    "apitoken.change": {OWN},
    # Constituent registry: everyone sees their own organization's profile, contacts, network
    # assets and inventory.
    "constituentprofile.view": {ORG},
    "contact.view": {ORG},
    "networkasset.view": {ORG},
    "inventoryitem.view": {ORG},
    # Incidents: a constituent sees its own reports and the incidents that affect it or were
    # shared with it (``Incident.restrict_org_q``); a reporter always sees what they filed.
    "report.view": {ORG, OWN},
    "incident.view": {ORG},
    # Their incident's observables, legal clocks, and the comments and timeline entries the CERT
    # shared with them (``only_shared_outside_the_cert``).
    "observable.view": {ORG},
    "legalclock.view": {ORG},
    "comment.view": {ORG},
    "timelineevent.view": {ORG},
    # Feed events: a constituent sees the events about its own networks, and the digests of them.
    "event.view": {ORG},
    "digest.view": {ORG},
    # Threat intelligence: every row is filtered by TLP, distribution and sharing group
    # (``siaga.sharing.visibility``), so "all" here means "all that is shared with you".
    "sharinggroup.view": {ORG},
    "indicator.view": {ALL},
    "sighting.view": {ALL},
    "sighting.add": {ORG},
    "stixobject.view": {ALL},
    "collection.view": {ALL},
    "warninglist.view": {ALL},
    # Vulnerability intelligence is public knowledge; a constituent sees its own exposure findings,
    # the advisories published to it (``Advisory.restrict_org_q``) and its answers to them.
    "vulnerability.view": {ALL},
    "finding.view": {ORG},
    "advisory.view": {ORG},
    "advisoryrecipient.view": {ORG},
    # Assessments: a constituent sees the assessments sent to it and its results; its own risks.
    "assessment.view": {ORG},
    "risk.view": {ORG},
    # Action items of the coordination group: their owners update them.
    "actionitem.view": {OWN},
    "actionitem.change": {OWN},
    # Notifications: each person keeps their own preferences.
    "notificationpreference.view": {OWN},
    "notificationpreference.change": {OWN},
}

# The coordination group's records: read by its members, the CERT and auditors.
_GOVERNANCE_READ: dict[str, set[Scope]] = {
    "representative.view": {ALL},
    "termsofreference.view": {ALL},
    "meeting.view": {ALL},
    "actionitem.view": {ALL},
    "oncallshift.view": {ALL},
    "exercise.view": {ALL},
}

# The CERT's staff run the registry and the incident desk.
_CERT_DESK: dict[str, set[Scope]] = {
    # Feed processing: every analyst hands in reports and reads every event; feeds themselves
    # (what is fetched from where) are configured by the CERT's leads and administrators.
    "feed.view": {ALL},
    "feedreport.view": {ALL},
    "feedreport.add": {ALL},
    "quarantinedrow.view": {ALL},
    "event.view": {ALL},
    "event.export": {ALL},
    "digest.view": {ALL},
    "digest.add": {ALL},
    "digestsubscription.view": {ALL},
    "digestsubscription.add": {ALL},
    "digestsubscription.change": {ALL},
    "constituentprofile.view": {ALL},
    "constituentprofile.change": {ALL},
    "contact.view": {ALL},
    "contact.add": {ALL},
    "contact.change": {ALL},
    "contact.delete": {ALL},
    "networkasset.view": {ALL},
    "networkasset.add": {ALL},
    "networkasset.delete": {ALL},
    "networkasset.review": {ALL},
    "networkasset.lookup": {ALL},
    "inventoryitem.view": {ALL},
    "inventoryitem.add": {ALL},
    "inventoryitem.change": {ALL},
    "inventoryitem.delete": {ALL},
    "report.view": {ALL},
    "report.add": {ALL},
    "report.triage": {ALL},
    "incident.view": {ALL},
    "incident.add": {ALL},
    "incident.change": {ALL},
    "incident.assign": {ALL},
    "incident.export": {ALL},
    "incident.view_internal": {ALL},
    "task.view": {ALL},
    "observable.view": {ALL},
    "timelineevent.view": {ALL},
    "comment.view": {ALL},
    "comment.add": {ALL},
    "incidentlink.view": {ALL},
    "legalclock.view": {ALL},
    "legalclock.change": {ALL},
    "delivery.view": {ALL},
    # The intelligence desk: indicators, imports and exports, sharing groups, TAXII collections.
    "sharinggroup.view": {ALL},
    "sharinggroup.add": {ALL},
    "sharinggroup.change": {ALL},
    "indicator.add": {ALL},
    "indicator.change": {ORG},
    "indicator.delete": {ORG},
    "indicator.export": {ALL},
    "sighting.change": {ORG},
    "stixobject.add": {ALL},
    "stixobject.delete": {ORG},
    "stixobject.export": {ALL},
    "collection.add": {ALL},
    "collection.change": {ALL},
    "warninglist.add": {ALL},
    "warninglist.change": {ALL},
    "mispfeed.view": {ALL},
    "mispfeed.add": {ALL},
    "mispfeed.change": {ALL},
    # Vulnerabilities, exposure findings and advisories: analysts import, match, write and submit
    # for review; publishing needs a second person (``_ADVISORY_APPROVAL``).
    "vulnerability.add": {ALL},
    "vendoradvisory.view": {ALL},
    "vendoradvisory.add": {ALL},
    "finding.view": {ALL},
    "finding.add": {ALL},
    "finding.change": {ALL},
    "advisory.view": {ALL},
    "advisory.add": {ALL},
    "advisory.change": {ALL},
    "advisoryrecipient.view": {ALL},
    # Assessments: analysts run campaigns and review the answers; the risk register; dashboards and
    # the sector report's drafts; the coordination group's records (the CERT is its secretariat).
    "framework.view": {ALL},
    "campaign.view": {ALL},
    "campaign.add": {ALL},
    "campaign.change": {ALL},
    "assessment.view": {ALL},
    "assessment.review": {ALL},
    "risk.view": {ALL},
    "risk.add": {ALL},
    "risk.change": {ALL},
    "dashboard.view_sector": {ALL},
    "sectorreport.view": {ALL},
    "sectorreport.add": {ALL},
    "sectorreport.change": {ALL},
    **_GOVERNANCE_READ,
    "meeting.change": {ALL},
    "actionitem.change": {ALL},
    "exercise.change": {ALL},
}

# Publishing and withdrawing an advisory: the CERT's leads and administrators, never the author of
# the version being published (the four-eyes rule is checked in ``advisories.actions``).
_ADVISORY_APPROVAL: dict[str, set[Scope]] = {
    "advisory.approve": {ALL},
}

# Remote TAXII servers hold partners' credentials: the CERT's administrators and leads manage them.
_TAXII_REMOTES: dict[str, set[Scope]] = {
    "remotecollection.view": {ALL},
    "remotecollection.add": {ALL},
    "remotecollection.change": {ALL},
    "remotecollection.delete": {ALL},
}

# The secretariat's leads: frameworks, who represents whom, the terms of reference, the on-call rota,
# and publishing the sector report.
_SECRETARIAT: dict[str, set[Scope]] = {
    "framework.add": {ALL},
    "representative.change": {ALL},
    "termsofreference.change": {ALL},
    "termsofreference.approve": {ALL},
    "oncallshift.change": {ALL},
    "sectorreport.publish": {ALL},
}

_FEED_SETUP: dict[str, set[Scope]] = {
    "feed.add": {ALL},
    "feed.change": {ALL},
    "feed.delete": {ALL},
}

PERMISSIONS: dict[str, dict[str, set[Scope]]] = {
    Role.CERT_ADMIN: {
        **_CERT_DESK,
        **_SECRETARIAT,
        **_TAXII_REMOTES,
        **_FEED_SETUP,
        **_ADVISORY_APPROVAL,
        "webhook.view": {ALL},
        "webhook.add": {ALL},
        "webhook.change": {ALL},
        "webhook.delete": {ALL},
        "organization.view": {ALL},
        "organization.add": {ALL},
        "organization.change": {ALL},
        "membership.view": {ALL},
        "membership.add": {ALL},
        "membership.change": {ALL},
        "user.view": {ALL},
        "job.view": {ALL},
        "job.add": {ALL},
        "job.change": {ALL},
        "audit.view": {ALL},
        "auditentry.view": {ALL},
        "audit.export": {ALL},
        "apitoken.change": {ALL},
        "apitoken.view": {ALL},
        # Removing someone's second factor hands their account to whoever holds the password:
        # only the CERT's administrators do it, after checking out of band who asks.
        "user.reset_two_factor": {ALL},
    },
    Role.CERT_LEAD: {
        **_CERT_DESK,
        **_SECRETARIAT,
        **_TAXII_REMOTES,
        **_FEED_SETUP,
        **_ADVISORY_APPROVAL,
        "organization.view": {ALL},
        "membership.view": {ALL},
        "user.view": {ALL},
        "job.view": {ALL},
        "job.add": {ALL},
        "job.change": {OWN},
    },
    Role.CERT_ANALYST: {
        **_CERT_DESK,
        "organization.view": {ALL},
        "membership.view": {ALL},
        "user.view": {ALL},
        "job.view": {OWN},
        "job.add": {ALL},
        "job.change": {OWN},
    },
    Role.COORD_MEMBER: {
        # The coordination group works with every organization, but manages only its own people.
        "organization.view": {ALL},
        # It reaches any constituent in a crisis and asks who owns an address, but sees incidents
        # only when they are shared with its agency.
        "constituentprofile.view": {ALL},
        "contact.view": {ALL},
        "networkasset.view": {ALL},
        "networkasset.lookup": {ALL},
        "report.add": {ORG},
        # On incidents shared with its agency (the comment itself is always shared).
        "comment.add": {ORG},
        # Agencies share intelligence with each other and the sector.
        "indicator.add": {ORG},
        "indicator.change": {ORG},
        "indicator.delete": {ORG},
        "indicator.export": {ALL},
        "stixobject.add": {ORG},
        "stixobject.delete": {ORG},
        "stixobject.export": {ALL},
        # The coordination group: its records, its agency's representatives, the approval of the
        # terms of reference on behalf of its agency; the sector's risks and dashboard.
        **_GOVERNANCE_READ,
        "representative.change": {ORG},
        "termsofreference.approve": {ALL},
        "framework.view": {ALL},
        "risk.view": {ALL},
        "dashboard.view_sector": {ALL},
        # Sector reports name constituents: the CERT, the group's members and auditors read the
        # published ones (``SectorReport.restrict_extra`` hides drafts from those who cannot edit).
        "sectorreport.view": {ALL},
    },
    Role.CONSTITUENT_ADMIN: {
        "report.add": {ORG},
        "comment.add": {ORG},
        "constituentprofile.change": {ORG},
        "contact.add": {ORG},
        "contact.change": {ORG},
        "contact.delete": {ORG},
        # Network assets decide whose events a constituent receives: its admin may ask for a
        # change, which waits for the CERT's review.
        "networkasset.add": {ORG},
        "networkasset.delete": {ORG},
        "inventoryitem.add": {ORG},
        "inventoryitem.change": {ORG},
        "inventoryitem.delete": {ORG},
        "webhook.view": {ORG},
        "webhook.add": {ORG},
        "webhook.change": {ORG},
        "webhook.delete": {ORG},
        "delivery.view": {ORG},
        # When and how the constituent hears about feed events (digests of its own findings).
        "digestsubscription.view": {ORG},
        "digestsubscription.add": {ORG},
        "digestsubscription.change": {ORG},
        # The constituent is the data controller: it records that it sent the legal notice.
        "legalclock.change": {ORG},
        "organization.change": {ORG},
        "membership.add": {ORG},
        "membership.change": {ORG},
        # A hospital shares what it sees and exports what is shared with it.
        "indicator.add": {ORG},
        "indicator.change": {ORG},
        "indicator.export": {ALL},
        "stixobject.add": {ORG},
        "stixobject.export": {ALL},
        # It answers the advisories it received and tracks the remediation of its findings.
        "advisoryrecipient.change": {ORG},
        "finding.change": {ORG},
        # It answers the assessments sent to it and keeps its own risk register.
        "assessment.change": {ORG},
        "risk.add": {ORG},
        "risk.change": {ORG},
    },
    Role.CONSTITUENT_REPORTER: {
        "report.add": {ORG},
        "comment.add": {ORG},
        "advisoryrecipient.change": {ORG},
    },
    Role.AUDITOR: {
        "constituentprofile.view": {ALL},
        "contact.view": {ALL},
        "networkasset.view": {ALL},
        "inventoryitem.view": {ALL},
        "report.view": {ALL},
        "incident.view": {ALL},
        "incident.export": {ALL},
        "incident.view_internal": {ALL},
        "task.view": {ALL},
        "observable.view": {ALL},
        "timelineevent.view": {ALL},
        "comment.view": {ALL},
        "incidentlink.view": {ALL},
        "legalclock.view": {ALL},
        "delivery.view": {ALL},
        "organization.view": {ALL},
        "membership.view": {ALL},
        "user.view": {ALL},
        "job.view": {ALL},
        "audit.view": {ALL},
        "auditentry.view": {ALL},
        "audit.export": {ALL},
        "sharinggroup.view": {ALL},
        "feed.view": {ALL},
        "feedreport.view": {ALL},
        "quarantinedrow.view": {ALL},
        "event.view": {ALL},
        "digest.view": {ALL},
        "vendoradvisory.view": {ALL},
        "finding.view": {ALL},
        "advisory.view": {ALL},
        "advisoryrecipient.view": {ALL},
        "framework.view": {ALL},
        "campaign.view": {ALL},
        "assessment.view": {ALL},
        "risk.view": {ALL},
        "dashboard.view_sector": {ALL},
        "sectorreport.view": {ALL},
        **_GOVERNANCE_READ,
    },
}

# Which organization kinds may hold which roles (a hospital cannot have a CERT analyst).
ROLES_BY_ORGANIZATION_KIND: dict[str, frozenset[str]] = {
    "cert": frozenset({Role.CERT_ADMIN, Role.CERT_LEAD, Role.CERT_ANALYST, Role.AUDITOR}),
    "member_agency": frozenset({Role.COORD_MEMBER, Role.AUDITOR}),
    "constituent": frozenset({Role.CONSTITUENT_ADMIN, Role.CONSTITUENT_REPORTER}),
}

# Who may grant which roles when inviting or changing members.
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    Role.CERT_ADMIN: frozenset(Role.values),
    Role.CONSTITUENT_ADMIN: frozenset({Role.CONSTITUENT_ADMIN, Role.CONSTITUENT_REPORTER}),
}


@dataclass(frozen=True)
class Grant:
    """How far one permission reaches for one user."""

    all: bool = False
    org_ids: frozenset[int] = frozenset()
    own: bool = False

    def __bool__(self) -> bool:
        return self.all or bool(self.org_ids) or self.own


@dataclass
class Principal:
    """A signed-in user with the roles they hold, resolved once per request."""

    user_id: int
    is_superuser: bool
    roles: list[tuple[int, str]] = field(default_factory=list)  # (organization id, role)

    @property
    def role_names(self) -> set[str]:
        return {role for _, role in self.roles}

    def scopes(self, permission: str) -> Grant:
        if self.is_superuser:
            return Grant(all=True)
        is_all, own, org_ids = False, False, set()
        for org_id, role in self.roles:
            granted = PERMISSIONS.get(role, {}).get(permission, set()) | _EVERYONE.get(
                permission, set()
            )
            is_all |= ALL in granted
            own |= OWN in granted
            if ORG in granted:
                org_ids.add(org_id)
        if not self.roles and permission in _EVERYONE and OWN in _EVERYONE[permission]:
            own = True
        return Grant(all=is_all, org_ids=frozenset(org_ids), own=own)

    def has_perm(self, permission: str, organization_id: int | None = None) -> bool:
        grant = self.scopes(permission)
        if organization_id is None:
            return bool(grant)
        return grant.all or organization_id in grant.org_ids

    def can_grant(self, role: str, organization_id: int) -> bool:
        if self.is_superuser:
            return True
        return any(
            role in GRANTABLE_ROLES.get(held, frozenset())
            and (held == Role.CERT_ADMIN or org_id == organization_id)
            for org_id, held in self.roles
        )

    @property
    def is_cert_staff(self) -> bool:
        return self.is_superuser or bool(self.role_names & CERT_STAFF_ROLES)

    @property
    def needs_two_factor(self) -> bool:
        return self.is_superuser or bool(self.role_names & TWO_FACTOR_ROLES)


def principal_for(user: Any) -> Principal:
    """The user's principal, cached on the user object for the rest of the request."""
    cached = getattr(user, "_siaga_principal", None)
    if cached is not None:
        return cached
    from siaga.organizations.models import Membership

    roles = list(
        Membership.objects.filter(user_id=user.pk, organization__is_active=True).values_list(
            "organization_id", "role"
        )
    )
    principal = Principal(user_id=user.pk, is_superuser=user.is_superuser, roles=roles)
    user._siaga_principal = principal
    return principal


def forget_principal(user: Any) -> None:
    """Drop the cached principal after the user's memberships changed."""
    if hasattr(user, "_siaga_principal"):
        del user._siaga_principal
