"""The REST API under /api/v1/: one NinjaAPI, each app adds its router."""

from siaga.core.apitools import RateThrottle, SessionAuth, SiagaAPI, TokenAuth

DESCRIPTION = """\
API of Siaga, the platform of a national health-sector CERT.

**Authentication.** Send a personal API token as `Authorization: Bearer <token>` (create one at
`POST /api/v1/tokens`). A token of scope `read` may only read. In the browser the session works
too, once its second factor was passed; writes then need the CSRF token in `X-CSRFToken`.

**Lists** take `?limit=` and `?offset=` and answer
`{"count": …, "next": url-or-null, "previous": url-or-null, "results": […]}`.

**Errors** are RFC 9457 problem documents (`application/problem+json`) with `type`, `title`,
`status` and `detail`; validation errors add `errors`, a list of `{field, message}`. The `type` is
one of `urn:siaga:problem:` + `bad-request`, `not-authenticated`, `two-factor-required`,
`permission-denied`, `read-only-token`, `csrf-failed`, `not-found`, `method-not-allowed`,
`validation-error`, `rate-limited` (with `Retry-After`), `server-error`, `http-error`.
Objects you may not see answer 404, as if they did not exist.
"""

api = SiagaAPI(
    title="Siaga API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=[TokenAuth(), SessionAuth()],
    throttle=[RateThrottle()],
)

api.add_router("", "siaga.accounts.api.router")
api.add_router("", "siaga.organizations.api.router")
api.add_router("", "siaga.jobs.api.router")
api.add_router("", "siaga.audit.api.router")
