"""HTTP(S): fetch a feed's URL on its schedule and receive what came back.

The URL is checked by the webhook rule (https://, or http:// only to the hosts
``SIAGA_WEBHOOK_HTTP_HOSTS`` allows), fetched without following redirects, streamed to the report
store with the size limit, and the feed's secret, if any, sent in its header. Only the status code
and the file name reach the feed's record; the body is only ever parsed as a report.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote, urlsplit

import requests

from siaga.feeds.actions import do_receive_report
from siaga.feeds.choices import ReportSource
from siaga.feeds.collectors.base import recorded
from siaga.feeds.models import Feed, FeedReport
from siaga.notifications.models import validate_webhook_url

FETCH_TIMEOUT_SECONDS = 60
DOWNLOAD_BLOCK = 1024 * 1024
_FILENAME = re.compile(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", re.IGNORECASE)


def fetch_feed(feed: Feed) -> FeedReport:
    """Fetch a feed's URL once and receive what came back; raises on any failure (recorded on the
    feed too) so that the caller's job shows it."""
    with recorded(feed):
        validate_webhook_url(feed.url)
        with _get(feed) as response:
            name = _file_name(response, feed)
            report, _created = do_receive_report(
                feed, response.iter_content(DOWNLOAD_BLOCK), name, source=ReportSource.HTTP
            )
    return report


def _get(feed: Feed) -> requests.Response:
    headers = {"User-Agent": "Siaga feed collector"}
    if feed.auth_header and feed.secret:
        headers[feed.auth_header] = feed.plain_secret
    response = requests.get(
        feed.url,
        headers=headers,
        timeout=FETCH_TIMEOUT_SECONDS,
        stream=True,
        allow_redirects=False,
        verify=feed.verify_tls,
    )
    if response.status_code != 200:
        response.close()
        raise requests.HTTPError(f"{feed.url} answered {response.status_code}", response=response)
    return response


def _file_name(response: requests.Response, feed: Feed) -> str:
    """The file's name as the server gives it, else the URL's last part, else the feed's name."""
    disposition = response.headers.get("Content-Disposition", "")
    found = _FILENAME.search(disposition)
    if found:
        return os.path.basename(unquote(found.group(1)).strip()) or feed.name
    path_part = os.path.basename(unquote(urlsplit(feed.url).path))
    return path_part or f"{feed.name}.txt"
