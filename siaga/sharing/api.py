"""API of the sharing app."""

from ninja import Router

router = Router(tags=["sharing"])
