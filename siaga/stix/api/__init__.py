"""API of the stix app: imports and the stored objects (``imports``, ``objects``) and the
export operations (``exports``), under one router that ``siaga/api.py`` mounts."""

from ninja import Router

from siaga.stix.api import exports, imports, objects

router = Router(tags=["stix"])
router.add_router("", imports.router)
router.add_router("", objects.router)
router.add_router("", exports.router)
