"""API of the taxii app."""

from ninja import Router

router = Router(tags=["taxii"])
