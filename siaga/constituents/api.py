"""API of constituents."""

from ninja import Router

router = Router(tags=["constituents"])
