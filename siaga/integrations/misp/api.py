"""API of the misp app."""

from ninja import Router

router = Router(tags=["misp"])
