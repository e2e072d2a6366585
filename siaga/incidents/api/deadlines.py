"""API of incident deadlines."""

from ninja import Router

router = Router(tags=["incidents"])
