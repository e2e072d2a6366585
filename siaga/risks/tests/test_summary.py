"""The figures other apps read (``siaga.risks.summary``): the heat map's cells, impact highest at
the top and likelihood lowest on the left, and the open risks by residual level."""

from __future__ import annotations

import pytest

from siaga.risks import actions
from siaga.risks.models import Risk
from siaga.risks.summary import heat_map, open_risks_by_level

pytestmark = pytest.mark.django_db


def test_cells_and_labels(personas, make_risk):
    make_risk(inherent_likelihood=5, inherent_impact=5, residual_likelihood=1, residual_impact=4)
    make_risk(inherent_likelihood=5, inherent_impact=5, residual_likelihood=1, residual_impact=4)
    make_risk(inherent_likelihood=2, inherent_impact=1, residual_likelihood=1, residual_impact=1)
    inherent = heat_map(Risk.objects.all(), rating="inherent")
    assert inherent.impact_labels == ["Severe", "Major", "Moderate", "Minor", "Insignificant"]
    assert inherent.likelihood_labels[0] == "Rare"
    assert inherent.cells[0][4] == 2  # impact 5 (top row), likelihood 5 (last column)
    assert inherent.cells[4][1] == 1  # impact 1 (bottom row), likelihood 2
    assert sum(map(sum, inherent.cells)) == 3
    residual = heat_map(Risk.objects.all())
    assert residual.cells[1][0] == 2 and residual.cells[4][0] == 1
    with pytest.raises(ValueError, match="rating must be one of"):
        heat_map(Risk.objects.all(), rating="target")


def test_open_risks_by_level(personas, make_risk):
    make_risk(inherent_likelihood=5, inherent_impact=5, residual_likelihood=5, residual_impact=5)
    make_risk(residual_likelihood=1, residual_impact=1)
    closed = make_risk(residual_likelihood=1, residual_impact=1)
    actions.check_change_risk(personas.cert_lead, closed, {"status": "closed"})
    assert open_risks_by_level(Risk.objects.all()) == [
        ("Low", 1),
        ("Medium", 0),
        ("High", 0),
        ("Very high", 0),
        ("Extreme", 1),
    ]
