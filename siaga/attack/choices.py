"""The ATT&CK domains (matrices) and the names their bundles use for them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Domain(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    ICS = "ics", _("ICS")
    MOBILE = "mobile", _("Mobile")


# The ``source_name`` of the external reference that carries the technique's ATT&CK id, and the
# ``kill_chain_name`` of its tactics, per domain. Recent bundles use "mitre-attack" for the id in
# every domain; the kill chain names the domain.
SOURCE_NAMES = frozenset({"mitre-attack", "mitre-ics-attack", "mitre-mobile-attack"})
KILL_CHAINS: dict[str, str] = {
    "mitre-attack": Domain.ENTERPRISE,
    "mitre-ics-attack": Domain.ICS,
    "mitre-mobile-attack": Domain.MOBILE,
}
# ``x_mitre_domains`` values.
DOMAIN_NAMES: dict[str, str] = {
    "enterprise-attack": Domain.ENTERPRISE,
    "ics-attack": Domain.ICS,
    "mobile-attack": Domain.MOBILE,
}
