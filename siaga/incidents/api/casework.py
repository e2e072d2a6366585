"""API of incident casework."""

from ninja import Router

router = Router(tags=["incidents"])
