"""Reading an advisory's fields from a form or the API: texts, CVEs (scored), products, references,
ATT&CK techniques, links and targets, each problem named by its field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from siaga.accounts.roles import CERT_STAFF_ROLES
from siaga.advisories import distribution
from siaga.advisories.actions.common import (
    FIELDS,
    MAX_ITEMS,
    PRODUCT_FIELDS,
    RED_REFUSED,
    RELATIONS,
    TEXT_NAMES,
)
from siaga.advisories.choices import AdvisoryKind, AdvisorySeverity
from siaga.advisories.models import (
    LANGUAGES,
    TEXT_FIELDS,
    Advisory,
    AdvisoryCve,
    AdvisoryProduct,
)
from siaga.attack.models import Technique
from siaga.attack.validation import validate_technique_ids
from siaga.constituents.choices import Province
from siaga.incidents.models import Incident
from siaga.intel.models import Indicator
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Membership, Organization
from siaga.sharing.choices import TLP
from siaga.vulns.models import Vulnerability
from siaga.vulns.scoring import CvssVectorError, score_cvss3, score_cvss4

# --- Input ---------------------------------------------------------------------------------------


def _issuing_organization(user: Any) -> Organization:
    """The CERT the author works for (the first active CERT for a superuser without one)."""
    membership = (
        Membership.objects.filter(
            user_id=user.pk,
            role__in=list(CERT_STAFF_ROLES),
            organization__kind=OrganizationKind.CERT,
            organization__is_active=True,
        )
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        return membership.organization
    cert = Organization.objects.filter(kind=OrganizationKind.CERT, is_active=True).first()
    if cert is None:
        raise ValidationError(_("There is no active CERT organization to issue advisories."))
    return cert


def _check_tlp(tlp: str) -> None:
    if tlp == TLP.RED:
        raise ValidationError({"tlp": RED_REFUSED})
    if tlp not in TLP.values:
        raise ValidationError({"tlp": _("Unknown TLP label.")})


def _list(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name) or []
    if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
        raise ValidationError({name: _("Give a list.")})
    value = list(value)
    if len(value) > MAX_ITEMS:
        raise ValidationError({name: _("At most %(limit)d entries.") % {"limit": MAX_ITEMS}})
    return value


def _choices(data: dict[str, Any], name: str, allowed: list[str]) -> list[str]:
    values = [str(value) for value in _list(data, name)]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError({name: _("Unknown: %(values)s.") % {"values": ", ".join(unknown)}})
    return list(dict.fromkeys(values))


def _text(value: Any) -> str:
    return str(value or "").replace("\x00", "").strip()


def clean_cves(rows: list[Any]) -> list[AdvisoryCve]:
    """CVE rows scored by the ``cvss`` library; each row's errors under ``cves``."""
    cves: list[AdvisoryCve] = []
    seen: set[str] = set()
    for index, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ValidationError({"cves": _("Entry %(n)d is not an object.") % {"n": index}})
        cve_id = _text(row.get("cve_id")).upper()
        if cve_id in seen:
            raise ValidationError({"cves": _("%(cve)s is listed twice.") % {"cve": cve_id}})
        seen.add(cve_id)
        cve = AdvisoryCve(cve_id=cve_id)
        for version, scorer in (("3", score_cvss3), ("4", score_cvss4)):
            vector = _text(row.get(f"cvss{version}_vector"))
            if not vector:
                continue
            try:
                score = scorer(vector)
            except CvssVectorError as exc:
                raise ValidationError(
                    {
                        "cves": _("%(cve)s: bad CVSS vector: %(error)s")
                        % {"cve": cve_id, "error": exc}
                    }
                ) from None
            setattr(cve, f"cvss{version}_vector", score.vector)
            setattr(cve, f"cvss{version}_score", score.score)
            setattr(cve, f"cvss{version}_severity", score.severity)
        try:
            cve.full_clean(exclude=["advisory", "vulnerability"])
        except ValidationError as exc:
            messages = "; ".join(exc.messages)
            raise ValidationError({"cves": f"{cve_id or index}: {messages}"}) from None
        cves.append(cve)
    return cves


def clean_products(rows: list[Any]) -> list[AdvisoryProduct]:
    products = []
    for index, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ValidationError({"products": _("Entry %(n)d is not an object.") % {"n": index}})
        product = AdvisoryProduct(**{name: _text(row.get(name)) for name in PRODUCT_FIELDS})
        try:
            product.full_clean(exclude=["advisory"])
        except ValidationError as exc:
            messages = "; ".join(exc.messages)
            raise ValidationError({"products": f"{index}: {messages}"}) from None
        products.append(product)
    return products


_URL = URLValidator(schemes=["http", "https"])


def clean_references(rows: list[Any]) -> list[dict[str, str]]:
    references: list[dict[str, str]] = []
    for index, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ValidationError({"references": _("Entry %(n)d is not an object.") % {"n": index}})
        url = _text(row.get("url"))
        summary = _text(row.get("summary"))[:500]
        try:
            if len(url) > 2000:
                raise ValidationError(_("This address is too long."))
            _URL(url)
        except ValidationError:
            raise ValidationError(
                {
                    "references": _("%(n)d: not an http(s) address: %(url)s")
                    % {"n": index, "url": url[:100]}
                }
            ) from None
        if url not in {reference["url"] for reference in references}:
            references.append({"url": url, "summary": summary or url})
    return references


def _techniques(ids: list[Any]) -> list[Technique]:
    try:
        wanted = validate_technique_ids(ids)
    except ValidationError as exc:
        raise ValidationError({"attack_techniques": exc.messages}) from None
    return list(Technique.objects.filter(attack_id__in=wanted))


def _ids(rows: list[Any], name: str) -> list[int]:
    try:
        ids = sorted({int(value) for value in rows})
    except (TypeError, ValueError):
        raise ValidationError({name: _("Give a list of ids.")}) from None
    if any(value < 1 or value > 2**62 for value in ids):
        raise ValidationError({name: _("Give a list of ids.")})
    return ids


def _visible(user: Any, queryset: QuerySet[Any], rows: list[Any], name: str) -> list[Any]:
    """The objects of ``ids`` the user may see; an id they may not see is as unknown as one that
    does not exist."""
    ids = _ids(rows, name)
    found = list(queryset.filter(pk__in=ids))
    missing = sorted(set(ids) - {obj.pk for obj in found})
    if missing:
        raise ValidationError(
            {name: _("Unknown: %(ids)s.") % {"ids": ", ".join(str(pk) for pk in missing[:20])}}
        )
    return found


def _relations(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    relations: dict[str, Any] = {}
    if "cves" in data:
        relations["cves"] = clean_cves(_list(data, "cves"))
    if "products" in data:
        relations["products"] = clean_products(_list(data, "products"))
    if "references" in data:
        relations["references"] = clean_references(_list(data, "references"))
    if "attack_techniques" in data:
        relations["attack_techniques"] = _techniques(_list(data, "attack_techniques"))
    if "incidents" in data:
        incidents = Incident.objects.restrict(user, "view")
        relations["incidents"] = _visible(user, incidents, _list(data, "incidents"), "incidents")
    if "indicators" in data:
        indicators = Indicator.objects.restrict(user, "view")
        relations["indicators"] = _visible(
            user, indicators, _list(data, "indicators"), "indicators"
        )
    if "target_organizations" in data:
        named = Organization.objects.filter(kind=OrganizationKind.CONSTITUENT, is_active=True)
        relations["target_organizations"] = _visible(
            user, named, _list(data, "target_organizations"), "target_organizations"
        )
    return relations


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    refused = sorted(set(data) - set(FIELDS) - set(RELATIONS))
    if refused:
        raise ValidationError({name: _("This field cannot be set.") for name in refused})
    fields = {name: data[name] for name in FIELDS if name in data}
    for name in TEXT_NAMES:
        if name in fields:
            fields[name] = _text(fields[name])
    if "kind" in fields and fields["kind"] not in AdvisoryKind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    if "severity" in fields and fields["severity"] not in AdvisorySeverity.values:
        raise ValidationError({"severity": _("Unknown severity.")})
    if "tlp" in fields:
        _check_tlp(fields["tlp"])
    if "target_constituent_types" in fields:
        fields["target_constituent_types"] = _choices(
            data, "target_constituent_types", ConstituentType.values
        )
    if "target_provinces" in fields:
        fields["target_provinces"] = _choices(data, "target_provinces", Province.values)
    for name in ("target_inventory", "target_all", "target_vital_only"):
        if name in fields:
            fields[name] = bool(fields[name])
    return fields


def _apply(advisory: Advisory, fields: dict[str, Any], now: datetime) -> None:
    """Set the fields and the languages' change times.

    A language whose texts change while the other keeps pace moves ahead: the other is flagged as
    lagging. A change to the lagging language is the translation catching up: both are in step
    again (whether every text was translated is for the reviewer to see; the flag cannot know)."""
    lagging = advisory.lagging_language
    changed = [
        language
        for language in LANGUAGES
        if any(
            name in fields and fields[name] != getattr(advisory, name)
            for name in (f"{text}_{language}" for text in TEXT_FIELDS)
        )
    ]
    if len(changed) == 2 or (changed and changed[0] == lagging):
        changed = list(LANGUAGES)
    for language in changed:
        setattr(advisory, f"{language}_changed_at", now)
    for name, value in fields.items():
        setattr(advisory, name, value)


def _save_relations(advisory: Advisory, relations: dict[str, Any]) -> None:
    if "cves" in relations:
        advisory.cves.all().delete()
        known = dict(
            Vulnerability.objects.filter(
                cve_id__in=[cve.cve_id for cve in relations["cves"]]
            ).values_list("cve_id", "pk")
        )
        for cve in relations["cves"]:
            cve.advisory = advisory
            cve.vulnerability_id = known.get(cve.cve_id)
            cve.save()
    if "products" in relations:
        advisory.products.all().delete()
        for product in relations["products"]:
            product.advisory = advisory
            product.save()
    if "references" in relations:
        advisory.references = relations["references"]
        advisory.save(update_fields=["references", "updated_at"])
    for name in ("attack_techniques", "incidents", "indicators", "target_organizations"):
        if name in relations:
            getattr(advisory, name).set(relations[name])


def _check_targets(advisory: Advisory) -> None:
    """TLP:AMBER and AMBER+STRICT go only to the constituents chosen by name."""
    if advisory.tlp in distribution.NAMED_ONLY_TLPS and distribution.uses_criteria(advisory):
        raise ValidationError(
            {
                "tlp": _(
                    "A TLP:AMBER or AMBER+STRICT advisory goes only to the constituents you name: "
                    'clear "all constituents", the kinds, provinces and the vital-infrastructure '
                    "flag, or choose TLP:GREEN or CLEAR."
                )
            }
        )
