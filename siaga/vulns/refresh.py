"""Scheduled refresh of vulnerability data from the URLs an operator configured
(``SIAGA_VULN_SOURCES``: the KEV catalog, an EPSS scores file, CSAF documents). Empty by default:
nothing is fetched from the internet unless an operator asks for it.

Each URL is fetched with the care of the feed collector (``siaga.feeds.collectors.http``): the
address checked by the webhook rule (https://, plain http only to ``SIAGA_WEBHOOK_HTTP_HOSTS``),
TLS verified, no redirects followed, a timeout, and the body streamed under a size limit. What comes
back goes to the same importers as an upload, so a refresh that brings nothing new changes nothing.
One source failing does not stop the others; it is logged and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError

from siaga.notifications.models import validate_webhook_url
from siaga.vulns.importers import ImportResult

DOWNLOAD_BLOCK = 1024 * 1024
USER_AGENT = "Siaga vulnerability refresh"


class FetchError(Exception):
    """A source that could not be fetched (bad address, status, size, network)."""


def fetch(url: str) -> bytes:
    """The body at ``url``; ``FetchError`` on any failure."""
    try:
        validate_webhook_url(url)
    except ValidationError as exc:
        raise FetchError(f"{url}: {' '.join(exc.messages)}") from exc
    limit = int(settings.SIAGA_VULN_FETCH_MAX_MB) * 1024 * 1024
    try:
        with requests.get(
            url,
            headers={"User-Agent": USER_AGENT},
            timeout=int(settings.SIAGA_VULN_FETCH_TIMEOUT_SECONDS),
            stream=True,
            allow_redirects=False,
            verify=True,
        ) as response:
            if response.status_code != 200:
                raise FetchError(f"{url} answered {response.status_code}")
            body = bytearray()
            for block in response.iter_content(DOWNLOAD_BLOCK):
                body.extend(block)
                if len(body) > limit:
                    raise FetchError(f"{url}: larger than {limit // 2**20} MB")
            return bytes(body)
    except requests.RequestException as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc


@dataclass
class Source:
    kind: str  # kev, epss, csaf
    url: str


@dataclass
class RefreshOutcome:
    sources: list[dict[str, Any]] = field(default_factory=list)
    failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"sources": self.sources, "failed": self.failed}


def configured_sources() -> list[Source]:
    config: dict[str, Any] = settings.SIAGA_VULN_SOURCES
    sources = []
    if config.get("kev"):
        sources.append(Source("kev", str(config["kev"])))
    sources.extend(Source("csaf", str(url)) for url in config.get("csaf") or [])
    # EPSS last: it only updates vulnerabilities that are already known.
    if config.get("epss"):
        sources.append(Source("epss", str(config["epss"])))
    return sources


def refresh_sources(
    progress: Callable[[int, int, str], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> RefreshOutcome:
    """Fetch and import every configured source, one after the other."""
    from siaga.vulns.actions import do_import, import_summary

    sources = configured_sources()
    outcome = RefreshOutcome()
    for done, source in enumerate(sources):
        if progress:
            progress(done, len(sources), f"{source.kind}: {source.url}")
        entry: dict[str, Any] = {"kind": source.kind, "url": source.url}
        try:
            body = fetch(source.url)
        except FetchError as exc:
            outcome.failed += 1
            entry["error"] = str(exc)
            outcome.sources.append(entry)
            if log:
                log(f"{source.kind}: not fetched: {exc}")
            continue
        # The URL names the document in problems and is kept as a CSAF advisory's source.
        result: ImportResult = do_import(source.kind, [(source.url, body)])
        entry |= import_summary(result)
        if result.errors:
            outcome.failed += 1
            entry["error"] = "; ".join(result.errors)[:1000]
        outcome.sources.append(entry)
        if log:
            log(
                f"{source.kind} {source.url}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged, {result.skipped} skipped"
                + (f", refused: {entry['error']}" if result.errors else "")
            )
            for problem in result.problems[:20]:
                log(f"  {problem}")
    if progress:
        progress(len(sources), len(sources), "done")
    return outcome
