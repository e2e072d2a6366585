"""Traffic Light Protocol 2.0 and distribution: the two labels every shared object carries."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TLP(models.TextChoices):
    """Traffic Light Protocol 2.0; the labels are the official label text."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


class Distribution(models.TextChoices):
    """Who an object is shared with, before TLP narrows it further."""

    ORGANIZATION = "organization", _("Own organization only")
    SHARING_GROUP = "sharing_group", _("Sharing group")
    CONSTITUENTS = "constituents", _("All constituents and agencies")
    PUBLIC = "public", _("Public")


# The widest distribution each TLP level allows. TLP:GREEN may go to the whole community but not
# be published; TLP:AMBER and AMBER+STRICT go to named organizations (one, or a sharing group's
# members); TLP:RED goes only to named people, whatever the distribution says.
ALLOWED_DISTRIBUTIONS: dict[str, frozenset[str]] = {
    TLP.CLEAR: frozenset(Distribution.values),
    TLP.GREEN: frozenset(
        {Distribution.ORGANIZATION, Distribution.SHARING_GROUP, Distribution.CONSTITUENTS}
    ),
    TLP.AMBER: frozenset({Distribution.ORGANIZATION, Distribution.SHARING_GROUP}),
    TLP.AMBER_STRICT: frozenset({Distribution.ORGANIZATION, Distribution.SHARING_GROUP}),
    TLP.RED: frozenset({Distribution.ORGANIZATION}),
}

# Ordered from least to most restrictive, for "at most TLP:X" filters.
TLP_ORDER: tuple[str, ...] = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)

# The STIX 2.1 marking-definition ids of TLP 2.0, as published by OASIS (stix-common-objects).
TLP2_MARKING_IDS: dict[str, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

# The STIX 2.0/2.1 marking-definition ids of TLP 1.0 and the TLP 2.0 level each maps to
# (WHITE became CLEAR; 1.0 AMBER is 2.0 AMBER).
TLP1_MARKING_IDS: dict[str, str] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}


def tlp_at_most(level: str) -> list[str]:
    """The TLP levels no more restrictive than ``level``."""
    return list(TLP_ORDER[: TLP_ORDER.index(level) + 1])
