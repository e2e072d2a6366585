"""API of the correlation app."""

from ninja import Router

router = Router(tags=["correlation"])
