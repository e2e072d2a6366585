"""Remote TAXII 2.1 collections that Siaga pulls from or pushes to on a schedule."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.integrations.taxiiclient.choices import AuthKind
from siaga.notifications import signing
from siaga.sharing.choices import TLP, Distribution

# What may leave Siaga for a server outside it: TLP:AMBER+STRICT stays inside the receiving
# organization and TLP:RED with its named people, so neither is ever pushed.
PUSHABLE_TLP = (TLP.CLEAR, TLP.GREEN, TLP.AMBER)


class RemoteCollection(TimeStampedModel, RestrictedModel):
    """A collection on another TAXII 2.1 server, with credentials and where each direction got to.

    Pulled objects take the labels set here (the partner's organization as their source, a TLP
    and distribution); an object marked more restrictively keeps its own marking. Pushing sends the
    latest versions from one local collection, never TLP:AMBER+STRICT or TLP:RED.
    """

    audit_exclude_fields = ("secret",)

    name = models.CharField(_("name"), max_length=200, unique=True)
    api_root_url = models.URLField(_("API root URL"), max_length=500)
    collection_id = models.CharField(_("collection id"), max_length=100)
    auth_kind = models.CharField(
        _("authentication"), max_length=8, choices=AuthKind.choices, default=AuthKind.BASIC
    )
    username = models.CharField(_("user name"), max_length=200, blank=True)
    # The password or token, sealed with the server's key (``siaga.notifications.signing``).
    secret = models.TextField(blank=True, editable=False)
    verify_tls = models.BooleanField(_("verify the TLS certificate"), default=True)
    page_size = models.PositiveIntegerField(_("objects per request"), default=1000)

    pull_enabled = models.BooleanField(_("pull on a schedule"), default=True)
    pull_every_minutes = models.PositiveIntegerField(_("pull every (minutes)"), default=60)
    source_organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source organization of pulled objects"),
    )
    tlp = models.CharField(_("TLP of pulled objects"), max_length=16, choices=TLP.choices)
    distribution = models.CharField(
        _("distribution of pulled objects"), max_length=16, choices=Distribution.choices
    )
    sharing_group = models.ForeignKey(
        "sharing.SharingGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sharing group of pulled objects"),
    )
    # The remote server's X-TAXII-Date-Added-Last of the last page read: the next pull asks
    # only for what was added after it, in the server's own clock.
    added_after = models.CharField(_("pulled up to"), max_length=40, blank=True)
    last_pull_at = models.DateTimeField(_("last pull"), null=True, blank=True)

    push_enabled = models.BooleanField(_("push on a schedule"), default=False)
    push_from = models.ForeignKey(
        "taxii.Collection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("local collection to push"),
    )
    pushed_until = models.DateTimeField(_("pushed up to"), null=True, blank=True)
    pushed_until_pk = models.BigIntegerField(default=0, editable=False)
    last_push_at = models.DateTimeField(_("last push"), null=True, blank=True)

    last_error = models.TextField(_("last error"), blank=True)
    last_result = models.JSONField(_("last result"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("remote TAXII collection")
        verbose_name_plural = _("remote TAXII collections")

    def __str__(self) -> str:
        return self.name

    def set_secret(self, plain: str) -> None:
        self.secret = signing.seal(plain) if plain else ""

    @property
    def plain_secret(self) -> str:
        return signing.unseal(self.secret) if self.secret else ""

    @property
    def collection_url(self) -> str:
        root = self.api_root_url if self.api_root_url.endswith("/") else self.api_root_url + "/"
        return f"{root}collections/{self.collection_id}/"

    def pull_is_due(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if not self.pull_enabled:
            return False
        if self.last_pull_at is None:
            return True
        return now - self.last_pull_at >= timedelta(minutes=self.pull_every_minutes)
