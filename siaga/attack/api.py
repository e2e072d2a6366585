"""API of the attack app."""

from ninja import Router

router = Router(tags=["attack"])
