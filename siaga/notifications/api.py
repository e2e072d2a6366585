"""API of notifications."""

from ninja import Router

router = Router(tags=["notifications"])
