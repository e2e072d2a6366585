"""Forms of the feed pages. They parse input; the rules live in ``actions.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import models
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from siaga.feeds.actions import FEED_FIELDS, max_report_bytes
from siaga.feeds.choices import CollectorKind, FeedReportStatus
from siaga.feeds.models import Feed


class ReportFilterForm(forms.Form):
    """The filters of the report list: a feed the user sees, a status."""

    feed = forms.ModelChoiceField(
        label=_("Feed"), queryset=Feed.objects.none(), required=False, empty_label=_("Any feed")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *FeedReportStatus.choices],
        required=False,
    )

    def __init__(self, *args: Any, feeds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feed"].queryset = feeds  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The lookups of the chosen filters (none when the form is invalid)."""
        if not self.is_valid():
            return {}
        chosen = {"feed": self.cleaned_data["feed"], "status": self.cleaned_data["status"]}
        return {name: value for name, value in chosen.items() if value}


class ReportUploadForm(forms.Form):
    """A report file for one of the active feeds."""

    feed = forms.ModelChoiceField(label=_("Feed"), queryset=Feed.objects.none())
    file = forms.FileField(
        label=_("Report file"),
        help_text=_(
            "The file as the feed delivered it. A Shadowserver report keeps its original name, "
            "which names the report type (such as 2026-01-31-scan_ftp-id-geo.csv)."
        ),
    )

    def __init__(self, *args: Any, feeds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feed"].queryset = feeds  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        """Refuse an oversized file before it is copied into the report store."""
        upload = self.cleaned_data["file"]
        limit = max_report_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB.") % {"limit": limit // 2**20}
            )
        return upload


@dataclass
class FieldGroup:
    """Some of a form's fields under a heading; ``form_fields`` renders it like a form."""

    legend: str
    fields: list[BoundField]
    errors: list[str]

    def non_field_errors(self) -> list[str]:
        return self.errors

    def hidden_fields(self) -> list[BoundField]:
        return []

    def visible_fields(self) -> list[BoundField]:
        return self.fields


MAILBOX_FIELDS = ("mail_host", "mail_port", "mail_use_tls", "mail_folder", "attachment_pattern")
# The feed form's fields by what they are for: every feed, fetching, the mailbox, the mapping.
FEED_FIELD_GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (
        _("Feed"),
        ("name", "provider", "parser", "collector", "fetch_every_minutes", "is_active"),
    ),
    (
        _("Address and account (HTTP, TAXII and IMAP)"),
        ("url", "username", "auth_header", "secret", "verify_tls"),
    ),
    (
        _("Mailbox (IMAP)"),
        MAILBOX_FIELDS,
    ),
    (_("Field mapping (mapped CSV and JSON parsers)"), ("mapping",)),
    (_("Notes"), ("description",)),
)


class FeedForm(forms.ModelForm):
    """Create or change a feed; the rules (addresses, the mailbox, the mapping) are checked by
    ``check_save_feed``."""

    secret = forms.CharField(
        label=_("Secret or password"),
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "HTTP: the value of the authentication header. TAXII: the password (with a user "
            "name) or the header's value. IMAP: the mailbox's password. Stored sealed and never "
            "shown again; leave empty to keep the one stored."
        ),
    )

    class Meta:
        model = Feed
        fields = list(FEED_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "mapping": forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        }
        help_texts = {
            "url": _(
                "HTTP: the file's https:// address. TAXII: the collection's address, ending in "
                "/collections/<id>/. Plain http:// only to the hosts the server allows."
            ),
            "fetch_every_minutes": _("How often an HTTP, TAXII or IMAP feed is collected."),
            "auth_header": _(
                "For example Authorization, or Auth-Key for abuse.ch. TAXII: used when there is "
                "no user name."
            ),
            "username": _("TAXII: the user name for HTTP Basic. IMAP: the mailbox's user name."),
            "verify_tls": _("Switch off only for a server with its own certificate authority."),
            "mail_use_tls": _(
                "Plain IMAP sends the password in clear: only to the hosts the server allows."
            ),
            "mail_folder": _("The folder whose unseen messages are read, such as INBOX."),
            "attachment_pattern": _(
                "Attachments whose names match become reports, such as *.csv (several: separate "
                "them with commas; empty takes every file). Gzip'd and zipped files are unpacked "
                "and their inner names count too."
            ),
            "mapping": _("JSON: which column or key of the file fills which event field."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Fields of other collectors may be left out; empty means the model's default.
        for name in ("mail_port", "mail_folder", "mapping"):
            self.fields[name].required = False

    def _post_clean(self) -> None:
        # The model's rules (a unique name, the address) are checked by the action, once.
        pass

    def groups(self) -> list[FieldGroup]:
        """The fields by what they are for; the form's own errors come with the first group."""
        return [
            FieldGroup(
                str(legend),
                [self[name] for name in names],
                [str(error) for error in self.non_field_errors()] if i == 0 else [],
            )
            for i, (legend, names) in enumerate(FEED_FIELD_GROUPS)
        ]

    def changes(self) -> dict[str, Any]:
        changed = {name: self.cleaned_data[name] for name in FEED_FIELDS}
        if changed["collector"] != CollectorKind.IMAP:
            # Not shown as relevant, so not really chosen (an unticked TLS box would read as
            # "plain IMAP"): the stored values, or the defaults, stay.
            for name in MAILBOX_FIELDS:
                del changed[name]
        for name in ("mail_port", "mail_folder", "mapping"):
            if name in changed and changed[name] in (None, ""):
                changed[name] = _model_default(name)
        if self.cleaned_data.get("secret"):
            changed["secret"] = self.cleaned_data["secret"]
        return changed


def _model_default(name: str) -> Any:
    field = Feed._meta.get_field(name)
    assert isinstance(field, models.Field)  # a column, not a relation
    return field.get_default()


class QuarantineRetryForm(forms.Form):
    """One quarantined row, tried again as it was or as corrected here."""

    text = forms.CharField(
        label=_("Row text"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        max_length=1024 * 1024,
        strip=False,
        help_text=_(
            "Shadowserver and IntelMQ rows are one line, read under the report's header. For "
            "other formats, write a small report of the feed's format holding this row."
        ),
    )
