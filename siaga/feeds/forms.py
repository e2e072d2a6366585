"""Forms of the feed pages. They parse input; the rules live in ``actions.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.feeds.actions import FEED_FIELDS, max_report_bytes
from siaga.feeds.choices import FeedReportStatus
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


class FeedForm(forms.ModelForm):
    """Create or change a feed; the address rules are checked by ``check_save_feed``."""

    secret = forms.CharField(
        label=_("Authentication secret"),
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Sent in the authentication header with every fetch; stored sealed and never shown "
            "again. Leave empty to keep the one stored."
        ),
    )

    class Meta:
        model = Feed
        fields = list(FEED_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "url": _(
                "Needed when the feed is fetched over HTTP: an https:// address (plain http:// "
                "only to the hosts the server allows)."
            ),
            "fetch_every_minutes": _("How often an HTTP feed is fetched."),
            "auth_header": _("For example Authorization, or Auth-Key for abuse.ch."),
        }

    def _post_clean(self) -> None:
        # The model's rules (a unique name, the address) are checked by the action, once.
        pass

    def changes(self) -> dict[str, Any]:
        changed = {name: self.cleaned_data[name] for name in FEED_FIELDS}
        if self.cleaned_data.get("secret"):
            changed["secret"] = self.cleaned_data["secret"]
        return changed
