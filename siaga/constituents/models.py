"""The constituent registry: profiles, contacts, network assets and inventory of constituents."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from siaga.constituents.choices import (
    CLAIMED_STATUSES,
    REGISTERED_STATUSES,
    AssetKind,
    AssetStatus,
    ContactLanguage,
    ContactRole,
    Criticality,
    InventoryKind,
    NotificationKind,
    Province,
)
from siaga.constituents.cpe import CpeError, parse_cpe23
from siaga.constituents.netvalues import normalize_asset_value, parent_domains
from siaga.constituents.purl import PurlError, parse_purl
from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.organizations.models import Organization

_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{4,38}[0-9]")


class ConstituentProfile(TimeStampedModel, RestrictedModel):
    """What the CERT knows about a constituent beyond its name: where it is and what it holds."""

    restrict_org_field = "organization"

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="profile"
    )
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, blank=True)
    city = models.CharField(_("city or regency"), max_length=100, blank=True)
    is_vital_infrastructure = models.BooleanField(
        _("vital information infrastructure (IIV)"), default=False
    )
    holds_personal_health_data = models.BooleanField(_("holds personal health data"), default=False)
    health_records_estimate = models.PositiveIntegerField(
        _("health records (estimate)"),
        null=True,
        blank=True,
        help_text=_("Roughly how many patients' records it holds."),
    )
    notes = models.TextField(_("notes"), blank=True, max_length=5000)

    class Meta:
        verbose_name = _("constituent profile")
        verbose_name_plural = _("constituent profiles")

    def __str__(self) -> str:
        return gettext("Profile of %(name)s") % {"name": self.organization}


class Contact(TimeStampedModel, RestrictedModel):
    """A person or desk the CERT reaches at a constituent (personal data: views are audited)."""

    restrict_org_field = "organization"
    holds_personal_data = True

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=30, choices=ContactRole.choices)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=ContactLanguage.choices,
        default=ContactLanguage.INDONESIAN,
    )
    notification_kinds = models.JSONField(_("notifications"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["organization__name", "name", "pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if not self.email and not self.phone:
            errors["email"] = _("Give an e-mail address or a phone number.")
        if self.phone and not _PHONE.fullmatch(self.phone.strip()):
            errors["phone"] = _("Enter a phone number such as +62 21 555 0100.")
        try:
            self.notification_kinds = clean_notification_kinds(self.notification_kinds)
        except ValidationError as exc:
            errors["notification_kinds"] = exc.messages
        if errors:
            raise ValidationError(errors)

    def get_notification_kinds_display(self) -> list[str]:
        labels = dict(NotificationKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.notification_kinds]


def clean_notification_kinds(value: Any) -> list[str]:
    """A list of known notification kinds, without repeats, in the enumeration's order."""
    if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
        raise ValidationError(_("Send a list of notification kinds."))
    unknown = sorted(set(value) - set(NotificationKind.values))
    if unknown:
        raise ValidationError(
            _("Unknown notification kinds: %(kinds)s.") % {"kinds": ", ".join(unknown)}
        )
    return [kind for kind in NotificationKind.values if kind in value]


class NetworkAsset(TimeStampedModel, RestrictedModel):
    """An IP range, AS number or domain a constituent holds; events about it are sent to them.

    A constituent administrator's request waits for the CERT's review (``status``); the CERT's own
    additions are approved at once. ``ip_version``/``range_start``/``range_end`` and ``asn`` are
    derived from ``value`` and make overlap queries index lookups.
    """

    restrict_org_field = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="network_assets"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AssetKind.choices)
    value = models.CharField(_("value"), max_length=255)
    status = models.CharField(
        _("status"), max_length=20, choices=AssetStatus.choices, default=AssetStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True, max_length=1000)
    ip_version = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    range_start = models.CharField(max_length=32, blank=True, editable=False)
    range_end = models.CharField(max_length=32, blank=True, editable=False)
    asn = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["kind", "value", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "value"], name="one_asset_value_per_org"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "ip_version", "range_start"], name="asset_range_idx"),
            models.Index(fields=["kind", "value"], name="asset_value_idx"),
            models.Index(fields=["status"], name="asset_status_idx"),
        ]
        verbose_name = _("network asset")
        verbose_name_plural = _("network assets")

    def __str__(self) -> str:
        return self.value

    @property
    def was_registered(self) -> bool:
        # Set when the row is loaded or saved (signals.py): the status the database holds.
        return getattr(self, "_loaded_status", None) in REGISTERED_STATUSES

    def set_value(self, text: str) -> None:
        """Store ``text`` in canonical form with its derived columns; ``ValidationError`` if bad."""
        try:
            parsed = normalize_asset_value(self.kind, text)
        except ValidationError as exc:
            raise ValidationError({"value": exc.messages}) from None
        self.value = parsed.value
        self.ip_version = parsed.ip_version
        self.range_start = parsed.range_start
        self.range_end = parsed.range_end
        self.asn = parsed.asn

    def clean(self) -> None:
        if self.kind not in AssetKind.values:
            raise ValidationError({"kind": _("Choose an IP range, an AS number or a domain.")})
        self.set_value(self.value)

    @property
    def is_registered(self) -> bool:
        return self.status in REGISTERED_STATUSES

    def overlap_condition(self) -> Q:
        """Rows whose value overlaps this one's (of any organization, this row included)."""
        if self.kind == AssetKind.IP_RANGE:
            # Two CIDR networks overlap exactly when one contains the other.
            return Q(
                kind=AssetKind.IP_RANGE,
                ip_version=self.ip_version,
                range_start__lte=self.range_end,
                range_end__gte=self.range_start,
            )
        if self.kind == AssetKind.ASN:
            return Q(kind=AssetKind.ASN, asn=self.asn)
        return Q(kind=AssetKind.DOMAIN) & (
            Q(value__in=parent_domains(self.value)) | Q(value__endswith="." + self.value)
        )

    def overlaps(self, other: NetworkAsset) -> bool:
        if self.kind != other.kind:
            return False
        if self.kind == AssetKind.IP_RANGE:
            return (
                self.ip_version == other.ip_version
                and self.range_start <= other.range_end
                and other.range_start <= self.range_end
            )
        if self.kind == AssetKind.ASN:
            return self.asn == other.asn
        return (
            self.value == other.value
            or self.value.endswith("." + other.value)
            or other.value.endswith("." + self.value)
        )

    def find_overlaps(self) -> list[NetworkAsset]:
        """Other organizations' approved or pending assets that overlap this one."""
        return find_overlaps_of([self]).get(self.pk, [])


def find_overlaps_of(assets: Iterable[NetworkAsset]) -> dict[int, list[NetworkAsset]]:
    """For each asset (by pk), the overlapping assets other organizations hold or ask for.

    One query for the whole list, so a page of assets costs the same whatever its length.
    """
    assets = [asset for asset in assets if asset.value]
    if not assets:
        return {}
    condition = Q(pk__in=[])
    for asset in assets:
        condition |= asset.overlap_condition()
    candidates = list(
        NetworkAsset.objects.filter(condition, status__in=CLAIMED_STATUSES)
        .select_related("organization")
        .order_by("organization__name", "value", "pk")
    )
    return {
        asset.pk: [
            other
            for other in candidates
            if other.organization_id != asset.organization_id and asset.overlaps(other)
        ]
        for asset in assets
    }


class InventoryItem(TimeStampedModel, RestrictedModel):
    """A system or device a constituent runs; matched later against advisories and vulnerabilities."""

    restrict_org_field = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="inventory_items"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InventoryKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    vendor = models.CharField(_("vendor"), max_length=200, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    version = models.CharField(_("version"), max_length=100, blank=True)
    cpe = models.CharField(_("CPE 2.3 name"), max_length=1000, blank=True)
    purl = models.CharField(_("package URL"), max_length=2000, blank=True)
    criticality = models.CharField(
        _("criticality"), max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM
    )
    internet_exposed = models.BooleanField(_("reachable from the internet"), default=False)
    location = models.CharField(_("location"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)

    class Meta:
        ordering = ["kind", "name", "product", "pk"]
        indexes = [models.Index(fields=["organization", "kind"], name="inventory_org_kind_idx")]
        verbose_name = _("inventory item")
        verbose_name_plural = _("inventory items")

    def __str__(self) -> str:
        label = self.name or " ".join(part for part in (self.vendor, self.product) if part)
        return f"{label} {self.version}".strip()

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if not self.name.strip() and not self.product.strip():
            errors["name"] = _("Give a name or a product.")
        if self.cpe:
            try:
                parse_cpe23(self.cpe)
            except CpeError as exc:
                errors["cpe"] = _("Not a CPE 2.3 name: %(reason)s") % {"reason": exc}
        if self.purl:
            try:
                self.purl = parse_purl(self.purl).to_string()
            except PurlError as exc:
                errors["purl"] = _("Not a package URL: %(reason)s") % {"reason": exc}
        if errors:
            raise ValidationError(errors)

    def match_key(self) -> tuple[str, str, str, str, str]:
        """What identifies an item on re-import: the same thing listed again is updated."""
        return (self.kind, self.name, self.vendor, self.product, self.version)
