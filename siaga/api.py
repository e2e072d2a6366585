"""The REST API under /api/v1/: one NinjaAPI, each app adds its router."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Siaga API",
    version="1",
    description="API of Siaga, the platform of a national health-sector CERT.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
