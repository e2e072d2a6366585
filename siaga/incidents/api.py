"""API of incidents."""

from ninja import Router

router = Router(tags=["incidents"])
