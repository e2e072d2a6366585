"""API of the stix app."""

from ninja import Router

router = Router(tags=["stix"])
