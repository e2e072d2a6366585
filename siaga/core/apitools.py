"""What every API endpoint shares: authentication, problem responses, paging, rate limits, types.

Each app's ``api.py`` holds a ninja ``Router`` whose handlers parse, call an action and return a
schema; everything around that lives here, so it is written once and behaves the same everywhere:

- ``TokenAuth`` (``Authorization: Bearer <token>``) and ``SessionAuth`` (the browser's session, with
  CSRF for writes and the second factor when the user has or needs one);
- every error as an RFC 9457 problem document (``application/problem+json``);
- ``?limit=&offset=`` paging with ``count``/``next``/``previous``/``results``;
- a per-token (or per-user) rate limit counted in the shared cache.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, re_path
from django.utils.encoding import force_str
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, NinjaAPI, P, PathEx, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.pagination import PaginationBase
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf
from pydantic import AfterValidator, AwareDatetime

from siaga.accounts.actions import authenticate_token
from siaga.accounts.models import ApiToken
from siaga.accounts.roles import principal_for
from siaga.core.middleware import client_ip

logger = logging.getLogger("siaga.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
SAFE_METHODS = frozenset({"GET", "HEAD"})
MAX_ID = 2**63 - 1  # database ids are 64-bit; a larger number cannot name a row
MAX_OFFSET = 2**31 - 1

# --- Problem documents (RFC 9457) ------------------------------------------------------------------

# Problem types: stable URNs clients can branch on; the title is the translated, human name.
PROBLEM_TITLES: dict[str, Any] = {
    "bad-request": _("Malformed request"),
    "not-authenticated": _("Authentication required"),
    "two-factor-required": _("Second factor required"),
    "permission-denied": _("Permission denied"),
    "read-only-token": _("Read-only token"),
    "csrf-failed": _("CSRF check failed"),
    "not-found": _("Not found"),
    "method-not-allowed": _("Method not allowed"),
    "validation-error": _("Invalid request"),
    "rate-limited": _("Too many requests"),
    "server-error": _("Internal server error"),
    "http-error": _("Request failed"),
}


def problem_type(slug: str) -> str:
    return f"urn:siaga:problem:{slug}"


class FieldError(Schema):
    field: str = Field(description="Dotted path of the field, e.g. `name` or `params.steps`.")
    message: str


class Problem(Schema):
    """An error, as RFC 9457 describes (``application/problem+json``)."""

    type: str = Field(
        description="A URN naming the kind of problem, e.g. urn:siaga:problem:not-found."
    )
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(
        default=None, description="For validation errors: one entry per invalid field."
    )


class ApiProblem(HttpError):
    """Raised to answer with a problem of a given type (the handlers below render it)."""

    def __init__(
        self, status: int, slug: str, detail: Any, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, force_str(detail))
        self.slug = slug
        self.headers = headers or {}


def problem_response(
    status: int,
    slug: str,
    detail: Any,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": problem_type(slug),
        "title": force_str(PROBLEM_TITLES.get(slug, PROBLEM_TITLES["http-error"])),
        "status": status,
        "detail": force_str(detail),
    }
    if errors is not None:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _unauthorized(detail: Any, *, invalid_token: bool = False) -> ApiProblem:
    challenge = 'Bearer realm="siaga"' + (', error="invalid_token"' if invalid_token else "")
    return ApiProblem(401, "not-authenticated", detail, {"WWW-Authenticate": challenge})


# Pydantic's messages are English only; the common ones are said again in the user's language.
_DATETIME = _("Enter a date and time with a time zone, e.g. 2025-01-31T08:00:00+07:00.")
_WHOLE_NUMBER = _("Enter a whole number.")
_BOOLEAN = _("Enter true or false.")
_OBJECT = _("Send a JSON object.")
_CHOICE = _("Choose one of %(expected)s.")
VALIDATION_MESSAGES: dict[str, Any] = {
    "missing": _("This field is required."),
    "string_type": _("Enter a text."),
    "string_too_short": _("Enter at least %(min_length)s characters."),
    "string_too_long": _("Enter at most %(max_length)s characters."),
    "greater_than_equal": _("Enter a number greater than or equal to %(ge)s."),
    "less_than_equal": _("Enter a number less than or equal to %(le)s."),
    "list_type": _("Send a list."),
    "extra_forbidden": _("Unknown field."),
    **dict.fromkeys(("int_type", "int_parsing", "int_from_float"), _WHOLE_NUMBER),
    **dict.fromkeys(("bool_type", "bool_parsing"), _BOOLEAN),
    **dict.fromkeys(("enum", "literal_error"), _CHOICE),
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type"), _OBJECT),
    **dict.fromkeys(
        ("datetime_type", "datetime_parsing", "datetime_from_date_parsing", "timezone_aware"),
        _DATETIME,
    ),
}


def _validation_message(error: dict[str, Any]) -> str:
    context = error.get("ctx") or {}
    if error.get("type") == "value_error" and "error" in context:
        return force_str(context["error"])  # our own validators raise translated messages
    template = VALIDATION_MESSAGES.get(error.get("type", ""))
    if template is None:
        return str(error.get("msg", ""))
    try:
        return force_str(template) % {k: force_str(v) for k, v in context.items()}
    except (KeyError, TypeError, ValueError):
        return str(error.get("msg", ""))


def _django_validation_errors(exc: DjangoValidationError) -> tuple[str, list[dict[str, str]]]:
    """The non-field messages (as the detail) and the field messages of an action's error."""
    general: list[str] = []
    errors: list[dict[str, str]] = []
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            if field == "__all__":
                general.extend(messages)
            else:
                errors.extend({"field": field, "message": str(m)} for m in messages)
    else:
        general.extend(str(message) for message in exc.messages)
    return " ".join(general) or gettext("Some fields are invalid; see errors."), errors


def install_problem_handlers(api: NinjaAPI) -> None:
    """Answer every error the API can meet with a problem document."""

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [_field_error(error) for error in exc.errors]
        return problem_response(
            422, "validation-error", gettext("Some fields are invalid; see errors."), errors=errors
        )

    def on_django_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        detail, errors = _django_validation_errors(exc)
        return problem_response(422, "validation-error", detail, errors=errors)

    def on_permission_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        detail = str(exc) or gettext("You may not do this.")
        return problem_response(403, "permission-denied", detail)

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        # Never the exception's text: it names the model and the lookup.
        return problem_response(404, "not-found", gettext("There is nothing at this address."))

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc, ApiProblem):
            return problem_response(exc.status_code, exc.slug, exc.message, headers=exc.headers)
        if isinstance(exc, Throttled):
            return _rate_limited(exc.wait)
        if isinstance(exc, AuthenticationError):
            # Raised by ninja when neither a token nor a session was presented.
            return on_http_error(
                request,
                _unauthorized(
                    gettext("Send 'Authorization: Bearer <token>' or sign in to use the API.")
                ),
            )
        if exc.status_code == 400:
            # ninja's own message for a body it cannot parse
            return problem_response(
                400, "bad-request", gettext("The request body is not valid JSON.")
            )
        slug = "permission-denied" if exc.status_code == 403 else "http-error"
        return problem_response(exc.status_code, slug, exc.message)

    def on_too_big(request: HttpRequest, exc: Any) -> HttpResponse:
        detail = gettext("The request body is larger than %(mb)d MB; send it in parts.") % {
            "mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        }
        return problem_response(413, "too-large", detail)

    def on_unreadable_form(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(
            400,
            "bad-request",
            gettext("The multipart body cannot be read: %(error)s") % {"error": exc},
        )

    def on_unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return problem_response(
            500, "server-error", gettext("Something went wrong on our side; it has been logged.")
        )

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(MultiPartParserError, on_unreadable_form)
    api.add_exception_handler(Exception, on_unexpected)


def _field_error(error: Any) -> dict[str, str]:
    if isinstance(error, dict) and "field" in error and "message" in error:
        return {"field": str(error["field"]), "message": str(error["message"])}
    if isinstance(error, dict) and "loc" in error:
        return {"field": ".".join(str(part) for part in error["loc"]), "message": str(error["msg"])}
    return {"field": "", "message": str(error)}


def _rate_limited(wait: float | None) -> HttpResponse:
    seconds = max(1, math.ceil(wait or 1))
    detail = gettext("Too many requests; try again in %(seconds)d seconds.") % {"seconds": seconds}
    return problem_response(429, "rate-limited", detail, headers={"Retry-After": str(seconds)})


# --- Authentication -----------------------------------------------------------------------------


class TokenAuth(HttpBearer):
    """A personal API token. A read-only token may only read (GET, HEAD)."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization")
        if not header:
            return None  # no token: perhaps a browser session (SessionAuth)
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise _unauthorized(gettext("Use 'Authorization: Bearer <token>'."), invalid_token=True)
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = authenticate_token(token, client_ip(request))
        if api_token is None:
            raise _unauthorized(
                gettext("The token is unknown, expired or revoked."), invalid_token=True
            )
        if request.method not in SAFE_METHODS and not api_token.allows_write:
            raise ApiProblem(403, "read-only-token", gettext("This token may only read."))
        # The audit trail resolves its actor from request.user when it writes an entry.
        request.user = api_token.user
        return api_token


class SessionAuth(APIKeyCookie):
    """The browser's session: CSRF-checked for writes, and only once the second factor was passed."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise ApiProblem(
                403, "csrf-failed", gettext("Send the CSRF token in the X-CSRFToken header.")
            )
        if not _is_verified(user) and _owes_second_factor(user):
            raise ApiProblem(
                401,
                "two-factor-required",
                gettext("Confirm your second factor in the browser, or use an API token."),
                {"WWW-Authenticate": 'Bearer realm="siaga"'},
            )
        return user


def _is_verified(user: Any) -> bool:
    # django-otp's middleware gives the session's user is_verified(): the second factor was passed
    return bool(getattr(user, "is_verified", lambda: False)())


def _owes_second_factor(user: Any) -> bool:
    from siaga.accounts.twofactor import has_confirmed_device

    return has_confirmed_device(user) or principal_for(user).needs_two_factor


# --- Rate limit ---------------------------------------------------------------------------------


class RateThrottle(BaseThrottle):
    """``SIAGA_API_RATE_PER_MINUTE`` requests per token (or per user for sessions) each minute.

    A fixed one-minute window counted in Django's cache, which every process shares. With Redis
    ``incr`` is atomic; the file cache of the embedded setup may miss a count under a race, which
    errs on the side of letting a request through.
    """

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "auth", None)
        if isinstance(token, ApiToken):
            ident = f"token:{token.pk}"
        elif request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{client_ip(request)}"
        window = int(time.time() // 60)
        key = f"siaga:api-rate:{ident}:{window}"
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:  # the entry expired between add and incr
            cache.set(key, 1, timeout=120)
            count = 1
        return count <= settings.SIAGA_API_RATE_PER_MINUTE

    def wait(self) -> float:
        return 60 - time.time() % 60  # until the next window opens


# --- Paging ---------------------------------------------------------------------------------------


class PageParams(Schema):
    limit: int = Field(
        settings.SIAGA_API_PAGE_SIZE,
        ge=1,
        le=settings.SIAGA_API_MAX_PAGE_SIZE,
        description="How many results to return.",
    )
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many results to skip.")


class Page(PaginationBase):
    """``?limit=&offset=``, answered with ``count``, links to the neighbouring pages and ``results``."""

    items_attribute = "results"
    Input = PageParams  # type: ignore[assignment]  # its own name, not "Input", in the document

    class Output(Schema):
        count: int
        next: str | None
        previous: str | None
        results: list[Any]

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        limit, offset = pagination.limit, pagination.offset
        count = queryset.count()
        results = list(queryset[offset : offset + limit])
        has_next = offset + limit < count
        return {
            "count": count,
            "next": _page_url(request, limit, offset + limit) if has_next else None,
            "previous": _page_url(request, limit, max(0, offset - limit)) if offset else None,
            "results": results,
        }


def _page_url(request: HttpRequest, limit: int, offset: int) -> str:
    query = request.GET.copy()
    query["limit"] = str(limit)
    query["offset"] = str(offset)
    if not offset:
        del query["offset"]
    encoded = urlencode(sorted(query.lists()), doseq=True)
    return request.build_absolute_uri(f"{request.path}?{encoded}")


# --- Types for schemas and parameters ---------------------------------------------------------------

ObjectId = PathEx[int, P(ge=1, le=MAX_ID, description="The object's id.")]


def optional(**constraints: Any) -> Any:
    """A field that may be left out (PATCH bodies, filters) but is never sent as null.

    Its type does not allow null, so a client sending null gets a 422; the OpenAPI document leaves
    out the ``default: null`` pydantic writes for it (see ``siaga.api``).
    """
    return Field(default=None, **constraints)


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL characters; refuse them here rather than fail in the database.
    if "\x00" in value:
        raise ValueError(gettext("Remove the NUL characters."))
    return value


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from exc
    return value


def _utc(value: Any) -> Any:
    from datetime import UTC

    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(gettext("This date is out of range.")) from exc


Text = Annotated[str, AfterValidator(_no_nul)]
EmailAddress = Annotated[
    str,
    Field(max_length=254, json_schema_extra={"format": "email"}),
    AfterValidator(_no_nul),
    AfterValidator(_email),
]
Timestamp = Annotated[AwareDatetime, AfterValidator(_utc)]


# --- The API object ------------------------------------------------------------------------------


class StrictJSONParser(Parser):
    """JSON as RFC 8259 has it, holding only what the databases can store.

    Python's parser also takes NaN, Infinity and numbers of any size, and strings with NUL or lone
    surrogates, which PostgreSQL and SQLite refuse: such a body is a 400, not a 500 later on.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(
            request.body, parse_constant=_refuse_constant, parse_float=_finite, parse_int=_bounded
        )
        _refuse_unstorable_text(data)
        return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _bounded(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_ID:
        raise ValueError("number out of range")
    return value


def _refuse_unstorable_text(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable_text(key)
            _refuse_unstorable_text(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_unstorable_text(item)
    elif isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL character")
        value.encode("utf-8")  # UnicodeEncodeError (a ValueError) for a lone surrogate


class SiagaAPI(NinjaAPI):
    """A NinjaAPI whose every answer to a failed request is a problem document."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("parser", StrictJSONParser())
        super().__init__(**kwargs)
        install_problem_handlers(self)

    def validation_error_from_error_contexts(self, error_contexts: list[Any]) -> ValidationError:
        errors: list[dict[str, Any]] = []
        for context in error_contexts:
            model = context.model
            source = model.__ninja_param_source__
            flatten = getattr(model, "__ninja_flatten_map_reverse__", {})
            single_body = getattr(model, "__read_from_single_attr__", None)
            for error in context.pydantic_validation_error.errors(include_url=False):
                loc = tuple(flatten.get(error["loc"], error["loc"]))
                if single_body and loc[:1] == (single_body,):
                    loc = loc[1:]  # the handler's parameter name means nothing to a client
                field = ".".join(str(part) for part in loc) or source
                errors.append({"field": field, "message": _validation_message(error)})
        return ValidationError(errors)

    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _answer_with_problems(pattern.callback)
        patterns.append(re_path(r"^.*$", _unknown_address, name="not-found"))
        return patterns, app_name, namespace


def _answer_with_problems(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    """Turn the 404s and 405s that ninja answers outside its handlers into problem documents."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _unknown_address(request)
        if response.status_code == 405 and response.get("Content-Type") != PROBLEM_CONTENT_TYPE:
            detail = gettext("Use one of: %(methods)s.") % {"methods": response["Allow"]}
            return problem_response(
                405, "method-not-allowed", detail, headers={"Allow": response["Allow"]}
            )
        return response

    return wrapper


@csrf_exempt
def _unknown_address(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return problem_response(404, "not-found", gettext("There is nothing at this address."))
