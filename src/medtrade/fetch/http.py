"""One small HTTP client for every fetcher: retries with backoff and jitter, a call budget.

What is retried: HTTP 429 (waiting what ``Retry-After`` says, in seconds or as an HTTP
date, else what an Azure API Management body "Try again in N seconds" says, else an
exponential backoff), 500/502/503/504, timeouts and dropped connections. A
``Retry-After`` longer than ``RetryPolicy.max_wait`` is a :class:`QuotaError` naming the
time the quota resets: waiting hours inside one command helps nobody. Every attempt, the
retries included, spends one call of the :class:`CallBudget`, so "at most N calls" holds
whatever the server does. Other statuses (401, 403, 404...) are returned to the caller,
who knows what they mean for its API.

Downloads (:meth:`Client.download`) stream to a ``.part`` file in 1 MiB blocks and resume
from its size with an HTTP ``Range`` request, so neither a large archive nor a dropped
connection costs memory or a fresh start.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Self

import httpx

from medtrade.fetch.errors import BudgetError, FetchError, QuotaError

__all__ = ["CallBudget", "Client", "RetryPolicy", "retry_after_seconds"]

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_TRY_AGAIN = re.compile(r"try again in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)
BLOCK = 1 << 20


@dataclass
class RetryPolicy:
    """How hard to try.

    Parameters
    ----------
    attempts : tries per request, the first included.
    base_delay : first backoff in seconds; doubled on every further failure.
    max_delay : cap on one backoff.
    max_wait : the longest ``Retry-After`` honoured; a longer one is a quota error.
    timeout : seconds without a byte before a read (or a connect) counts as failed.
    jitter : each backoff is multiplied by a random factor in ``1 +- jitter``.
    """

    attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 120.0
    max_wait: float = 900.0
    timeout: float = 120.0
    jitter: float = 0.25

    def backoff(self, failures: int, rng: random.Random) -> float:
        """Seconds to wait after the *failures*-th failure in a row (exponential, jittered)."""
        delay = min(self.max_delay, self.base_delay * 2 ** max(failures - 1, 0))
        return delay * (1 + self.jitter * (2 * rng.random() - 1))


class CallBudget:
    """At most *limit* HTTP calls (``None``: unlimited); :meth:`spend` raises once they are spent."""

    def __init__(self, limit: int | None = None, *, why: str = "--max-calls") -> None:
        self.limit, self.used, self.why = limit, 0, why

    @property
    def remaining(self) -> int | None:
        """Calls left, or ``None`` when unlimited."""
        return None if self.limit is None else max(self.limit - self.used, 0)

    def spend(self) -> None:
        """Count one call; :class:`BudgetError` when none is left."""
        if self.limit is not None and self.used >= self.limit:
            raise BudgetError(f"the call budget ({self.limit:,} calls, {self.why}) is spent; "
                              "run the same command again to resume where it stopped")
        self.used += 1


def retry_after_seconds(response: httpx.Response, /, *, now: datetime | None = None) -> float | None:
    """Seconds the server asks to wait: ``Retry-After`` (seconds or HTTP date), else the body's hint."""
    value = response.headers.get("Retry-After", "").strip()
    if value:
        try:
            return max(float(value), 0.0)
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
    try:
        text = response.text[:2000]
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        return None
    hint = _TRY_AGAIN.search(text)
    return float(hint.group(1)) if hint else None


def _reset_text(seconds: float) -> str:
    at = datetime.now(UTC) + timedelta(seconds=seconds)
    return f"in {timedelta(seconds=round(seconds))} (at {at:%Y-%m-%d %H:%M} UTC)"


class Client:
    """An ``httpx.Client`` with :class:`RetryPolicy` and :class:`CallBudget`.

    Parameters
    ----------
    policy : retry rules; defaults suit the real services (tests shorten them).
    budget : shared call budget; unlimited by default.
    headers : sent with every request (e.g. an API key header).
    on_wait : called with a one-line reason before every wait (for progress output).
    sleep, rng : injectable for tests that must not wait or must be reproducible.
    """

    def __init__(self, *, policy: RetryPolicy | None = None, budget: CallBudget | None = None,
                 headers: Mapping[str, str] | None = None, on_wait: Callable[[str], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None) -> None:
        self.policy = policy or RetryPolicy()
        self.budget = budget or CallBudget()
        self.on_wait, self.sleep = on_wait, sleep
        self.rng = rng or random.Random()
        self.retries = 0
        timeout = httpx.Timeout(self.policy.timeout, connect=min(30.0, self.policy.timeout))
        self._http = httpx.Client(timeout=timeout, headers=dict(headers or {}), follow_redirects=True)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait(self, seconds: float, why: str) -> None:
        self.retries += 1
        if self.on_wait:
            self.on_wait(f"{why}; retrying in {seconds:.1f} s")
        self.sleep(seconds)

    def _server_wait(self, response: httpx.Response, failures: int, url: str) -> float:
        """How long to wait before retrying *response* (a retryable status)."""
        asked = retry_after_seconds(response)
        if asked is None:
            return self.policy.backoff(failures, self.rng)
        if asked > self.policy.max_wait:
            raise QuotaError(f"{_host(url)}: HTTP {response.status_code}, the server asks to wait {asked:,.0f} s, "
                             f"longer than --max-wait {self.policy.max_wait:,.0f} s: the quota resets "
                             f"{_reset_text(asked)}; run the same command again then to resume")
        # Never earlier than asked; a little later so parallel clients do not return in step.
        return asked * (1 + self.policy.jitter * self.rng.random() / 4)

    def get(self, url: str, /, *, params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> httpx.Response:
        """GET with retries; returns the first response that is not retryable (any status)."""
        failures, last = 0, ""
        for _ in range(self.policy.attempts):
            self.budget.spend()
            try:
                response = self._http.get(url, params=params, headers=headers)
            except httpx.TransportError as exc:
                failures += 1
                last = f"{type(exc).__name__}: {str(exc).rstrip('.')}" if str(exc) else type(exc).__name__
                self._wait(self.policy.backoff(failures, self.rng), f"{_host(url)}: {last}")
                continue
            if response.status_code not in RETRY_STATUS:
                return response
            failures += 1
            last = f"HTTP {response.status_code}"
            self._wait(self._server_wait(response, failures, url), f"{_host(url)}: {last}")
        raise FetchError(f"{url}: no answer after {self.policy.attempts} attempts (last: {last}); "
                         "run the same command again to resume")

    def download(self, url: str, dest: Path, /, *, headers: Mapping[str, str] | None = None,
                 progress: Callable[[int, int | None], None] | None = None) -> int:
        """Stream *url* into *dest*, resuming from the bytes already in *dest* (HTTP ``Range``).

        Returns the size of the complete file. A server that ignores ``Range`` (answers
        200) makes the download start over; a body shorter than announced is resumed.
        """
        failures, last = 0, ""
        dest.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(self.policy.attempts):
            have = dest.stat().st_size if dest.exists() else 0
            # identity: Range offsets must count the bytes stored, not a compressed transfer
            request_headers = {"Accept-Encoding": "identity", **(headers or {})}
            if have:
                request_headers["Range"] = f"bytes={have}-"
            self.budget.spend()
            try:
                with self._http.stream("GET", url, headers=request_headers) as response:
                    status = response.status_code
                    if status == 416 and have:
                        total = _content_range_total(response.headers.get("Content-Range", ""))
                        if total == have:
                            return have
                        dest.unlink()  # our partial file is longer than the resource: start over
                        continue
                    if status in RETRY_STATUS:
                        response.read()
                        failures += 1
                        last = f"HTTP {status}"
                        self._wait(self._server_wait(response, failures, url), f"{_host(url)}: {last}")
                        continue
                    if status == 206:
                        start, total = _content_range(response.headers.get("Content-Range", ""))
                        if start != have:
                            raise FetchError(f"{url}: asked for bytes from {have:,}, the server sent from {start}")
                        mode = "ab"
                    elif status == 200:
                        have, mode = 0, "wb"
                        length = response.headers.get("Content-Length")
                        total = int(length) if length and length.isdigit() else None
                    else:
                        raise FetchError(f"{url}: HTTP {status} {response.reason_phrase}")
                    with dest.open(mode) as fh:
                        if progress:
                            progress(have, total)
                        for block in response.iter_raw():  # as received: a drop loses nothing written
                            fh.write(block)
                            have += len(block)
                            if progress:
                                progress(have, total)
                    if total is None or have == total:
                        return have
                    last = f"the body ended at {have:,} of {total:,} bytes"
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {str(exc).rstrip('.')}" if str(exc) else type(exc).__name__
            failures += 1
            self._wait(self.policy.backoff(failures, self.rng), f"{_host(url)}: {last}")
        raise FetchError(f"{url}: download incomplete after {self.policy.attempts} attempts (last: {last}); "
                         f"the {dest.stat().st_size if dest.exists() else 0:,} bytes so far are kept in {dest}: "
                         "run the same command again to resume")


def _host(url: str) -> str:
    return httpx.URL(url).host or url


def _content_range(value: str) -> tuple[int, int | None]:
    """``bytes 100-199/1000`` -> (100, 1000); total ``*`` -> None."""
    match = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", value)
    if not match:
        raise FetchError(f"unreadable Content-Range `{value}` in a 206 answer")
    return int(match.group(1)), None if match.group(3) == "*" else int(match.group(3))


def _content_range_total(value: str) -> int | None:
    match = re.search(r"/(\d+)\s*$", value)
    return int(match.group(1)) if match else None
