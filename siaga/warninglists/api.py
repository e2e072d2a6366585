"""API of the warninglists app."""

from ninja import Router

router = Router(tags=["warninglists"])
