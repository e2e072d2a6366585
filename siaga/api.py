"""The REST API under /api/v1/: one NinjaAPI, each app adds its router; and its OpenAPI document.

The machinery every endpoint shares (authentication, problem documents, paging, rate limit) is in
``siaga.core.apitools``; this module puts it together and describes, in the OpenAPI document, the
problem documents each operation can answer with. ``siaga export_openapi`` writes the document to
docs/openapi.json, and a test keeps that file in step with the code.
"""

from typing import Any

from siaga.core.apitools import (
    PROBLEM_CONTENT_TYPE,
    Problem,
    RateThrottle,
    SessionAuth,
    SiagaAPI,
    TokenAuth,
)

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

# (status, component name, description): the problems an operation may answer with. The document
# is written in English, like the code it describes, so that the committed copy does not depend on
# the language of whoever generated it.
DOCUMENTED_PROBLEMS = [
    ("400", "BadRequest", "The body is not valid JSON."),
    ("401", "Unauthorized", "No valid token or session, or the session owes its second factor."),
    ("403", "Forbidden", "A permission is missing, the token is read-only, or CSRF failed."),
    ("404", "NotFound", "No such object, or none that you may see."),
    ("413", "TooLarge", "The body is larger than the server accepts (`SIAGA_MAX_REQUEST_MB`)."),
    ("415", "UnsupportedMediaType", "The body's content type is not one the operation reads."),
    ("422", "ValidationFailed", "Invalid parameters or body; `errors` names each field."),
    ("429", "TooManyRequests", "The rate limit was reached; `Retry-After` says for how long."),
    ("500", "ServerError", "An unexpected error, logged on the server."),
]
PROBLEM_HEADERS = {
    "401": {"WWW-Authenticate": "The authentication scheme to use (`Bearer`)."},
    "429": {"Retry-After": "Seconds until requests are accepted again."},
}


class DocumentedAPI(SiagaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        add_problem_responses(schema)
        drop_null_defaults(schema)
        return schema


def add_problem_responses(schema: dict[str, Any]) -> None:
    """Declare the problem document and, on every operation, the problems it can answer with."""
    components = schema.setdefault("components", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.setdefault("schemas", {}).update(problem.pop("$defs", {}))
    components["schemas"]["Problem"] = problem
    responses = components.setdefault("responses", {})
    for status, name, description in DOCUMENTED_PROBLEMS:
        content = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        responses[name] = {"description": description, "content": content}
        if status in PROBLEM_HEADERS:
            responses[name]["headers"] = {
                header: {"description": text, "required": True, "schema": {"type": "string"}}
                for header, text in PROBLEM_HEADERS[status].items()
            }
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            # ninja keys responses by int; JSON (and sorting the keys) wants one type
            operation["responses"] = {str(k): v for k, v in operation["responses"].items()}
            statuses = {"401", "403", "429", "500"}
            if "{" in path:
                statuses.add("404")
            if operation.get("parameters") or operation.get("requestBody"):
                statuses.add("422")
            if operation.get("requestBody"):
                statuses |= {"400", "413"}
            # An operation names further problems it answers with in its openapi_extra.
            statuses |= set(operation.pop("x-siaga-problems", []))
            for status, name, _description in DOCUMENTED_PROBLEMS:
                if status in statuses:
                    ref = {"$ref": f"#/components/responses/{name}"}
                    operation["responses"].setdefault(status, ref)


def drop_null_defaults(node: Any) -> None:
    """Remove the ``default: null`` pydantic writes for ``optional()`` fields, which are never null."""
    if isinstance(node, list):
        for item in node:
            drop_null_defaults(item)
    elif isinstance(node, dict):
        allows_null = node.get("type") == "null" or any(
            isinstance(option, dict) and option.get("type") == "null"
            for option in node.get("anyOf", [])
        )
        if "default" in node and node["default"] is None and not allows_null:
            del node["default"]
        for value in node.values():
            drop_null_defaults(value)


api = DocumentedAPI(
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
api.add_router("", "siaga.constituents.api.router")
api.add_router("", "siaga.incidents.api.router")
api.add_router("", "siaga.notifications.api.router")
api.add_router("", "siaga.evidence.api.router")
api.add_router("", "siaga.sharing.api.router")
api.add_router("", "siaga.intel.api.router")
api.add_router("", "siaga.stix.api.router")
api.add_router("", "siaga.warninglists.api.router")
api.add_router("", "siaga.correlation.api.router")
api.add_router("", "siaga.attack.api.router")
api.add_router("", "siaga.integrations.misp.api.router")
api.add_router("", "siaga.integrations.taxiiclient.api.router")
api.add_router("", "siaga.feeds.api.router")
api.add_router("", "siaga.events.api.router")
api.add_router("", "siaga.digests.api.router")
api.add_router("", "siaga.vulns.api.router")
api.add_router("", "siaga.exposures.api.router")
api.add_router("", "siaga.advisories.api.router")
api.add_router("", "siaga.advisories.api_exports.router")
api.add_router("", "siaga.assessments.api.router")
api.add_router("", "siaga.risks.api.router")
api.add_router("", "siaga.governance.api.router")
api.add_router("", "siaga.dashboards.api.router")
api.add_router("", "siaga.reports.api.router")
