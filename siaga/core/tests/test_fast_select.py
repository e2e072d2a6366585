"""The fast select widgets render the same options as Django's, escaped, with the choice kept."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django import forms

from siaga.core.forms import FastSelect, FastSelectMultiple

CHOICES = [("", "Any"), ("1", "RSUD <Sehat> & Sentosa"), ("2", 'Klinik "Prima"'), ("3", "Lab")]


class Options(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.select: dict[str, str | None] = {}
        self.options: list[tuple[str, bool]] = []
        self.labels: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "select":
            self.select = dict(attrs)
        if tag == "option":
            values = dict(attrs)
            self.options.append((values["value"] or "", "selected" in values))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.labels.append(data.strip())


def parsed(html: str) -> Options:
    parser = Options()
    parser.feed(html)
    return parser


@pytest.mark.parametrize(
    ("fast", "django", "value"),
    [
        (FastSelect, forms.Select, "2"),
        (FastSelectMultiple, forms.SelectMultiple, ["1", "3"]),
        (FastSelect, forms.Select, None),
    ],
)
def test_same_options_labels_and_selection_as_django(fast, django, value):
    attrs = {"id": "id_org", "aria-describedby": "org-help", "size": 4}
    ours = parsed(str(fast(choices=CHOICES).render("org", value, attrs)))
    theirs = parsed(str(django(choices=CHOICES).render("org", value, attrs)))
    assert ours.options == theirs.options
    assert ours.labels == theirs.labels == [label for _, label in CHOICES]
    assert ours.select == theirs.select


def test_labels_are_escaped():
    html = str(FastSelect(choices=CHOICES).render("org", None))
    assert "RSUD &lt;Sehat&gt; &amp; Sentosa" in html
    assert "<Sehat>" not in html


def test_a_model_choice_field_keeps_working(personas):
    from siaga.organizations.models import Organization

    class Form(forms.Form):
        org = forms.ModelChoiceField(
            queryset=Organization.objects.order_by("name"), widget=FastSelect
        )

    form = Form({"org": personas.orgs.hospital.pk})
    assert form.is_valid()
    html = str(form["org"])
    assert f'<option value="{personas.orgs.hospital.pk}" selected>Test Hospital</option>' in html
