"""One shared HTTP session: retries with exponential backoff on 429/5xx (urllib3 Retry) and timeouts."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

TIMEOUT = (10, 120)  # seconds: connect, read
USER_AGENT = "observatoire-solidarites/0.1 (+extract)"


class FetchError(RuntimeError):
    """A source could not be fetched or its answer is unusable; the message says which and why."""


def make_session(retries: int = 4, backoff_factor: float = 1.0) -> requests.Session:
    retry = Retry(
        total=retries,
        backoff_factor=backoff_factor,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def get(session: requests.Session, url: str, params: dict | list | None = None,
        headers: dict | None = None, refusals: dict[int, str] | None = None) -> requests.Response:
    """GET with timeout; after the retries are spent, raise FetchError naming the URL and status.
    `headers` (e.g. an API token) are sent with this request only, never stored on the shared session.
    `refusals` maps a status (401, 403…) to the message to raise instead of the generic one."""
    try:
        response = session.get(url, params=params, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise FetchError(f"Échec de la requête {url} : {exc}") from exc
    if refusals and response.status_code in refusals:
        raise FetchError(f"{refusals[response.status_code]} ({url} a répondu HTTP {response.status_code})")
    if response.status_code >= 400:
        raise FetchError(
            f"{url} a répondu HTTP {response.status_code} (après nouvelles tentatives) : "
            f"{response.text[:200]!r}"
        )
    return response
