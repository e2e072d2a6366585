"""API of the intel app."""

from ninja import Router

router = Router(tags=["intel"])
