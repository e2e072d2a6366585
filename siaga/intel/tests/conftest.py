"""Fixtures of the intel tests: indicators made through the actions."""

from __future__ import annotations

from typing import Any

import pytest

from siaga.intel.actions import IndicatorInput, do_upsert_indicators
from siaga.intel.choices import SourceKind
from siaga.intel.models import Indicator
from siaga.sharing.choices import TLP, Distribution


@pytest.fixture
def make_indicator(personas: Any) -> Any:
    """An indicator of ``organization`` (default: the CERT) with the given labels."""

    def make(
        value: str = "198.51.100.7",
        kind: str = "ip",
        *,
        organization: Any = None,
        tlp: str = TLP.AMBER,
        distribution: str = Distribution.ORGANIZATION,
        sharing_group: Any = None,
        created_by: Any = None,
        recipients: Any = (),
        **fields: Any,
    ) -> Indicator:
        organization = organization or personas.orgs.cert
        result = do_upsert_indicators(
            [IndicatorInput(type=kind, value=value, **fields)],
            organization=organization,
            tlp=tlp,
            distribution=distribution,
            sharing_group=sharing_group,
            created_by=created_by or personas.cert_analyst,
            source_kind=SourceKind.MANUAL,
            recipients=recipients,
        )
        assert not result.problems, result.problems
        return Indicator.objects.get(pk=result.ids[0])

    return make
