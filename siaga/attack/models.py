"""MITRE ATT&CK techniques, loaded from ATT&CK's STIX bundles (``siaga.attack.loader``).

Reference data, the same for everyone: every signed-in person may read it, and incidents and
indicators are tagged with technique ids (``siaga.attack.validation``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.attack.choices import Domain


class Technique(models.Model):
    """One ATT&CK technique or sub-technique (T1566, T1566.001, T0803), as of its newest version
    loaded. Deprecated and revoked techniques stay, so old tags keep their names."""

    # Thousands of rows loaded at once from a public source: one audit entry per load, not per row.
    audit_enabled = False

    attack_id = models.CharField(_("ATT&CK id"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=300)
    domain = models.CharField(_("domain"), max_length=12, choices=Domain.choices)
    tactics = models.JSONField(_("tactics"), default=list, blank=True)
    is_subtechnique = models.BooleanField(_("sub-technique"), default=False)
    parent_attack_id = models.CharField(_("parent technique"), max_length=20, blank=True)
    deprecated = models.BooleanField(_("deprecated"), default=False)
    revoked = models.BooleanField(_("revoked"), default=False)
    stix_id = models.CharField(_("STIX id"), max_length=100, unique=True)
    modified = models.DateTimeField(_("modified"))
    url = models.URLField(_("URL"), max_length=500, blank=True)
    description = models.TextField(_("short description"), blank=True)

    class Meta:
        ordering = ["attack_id"]
        verbose_name = _("ATT&CK technique")
        verbose_name_plural = _("ATT&CK techniques")
        indexes = [models.Index(fields=["domain", "attack_id"], name="attack_domain_id")]

    def __str__(self) -> str:
        return f"{self.attack_id} {self.name}"

    @property
    def is_current(self) -> bool:
        return not (self.deprecated or self.revoked)
