"""The retry rules of the shared HTTP client, without a network."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
import pytest

from medtrade.fetch.errors import BudgetError
from medtrade.fetch.http import CallBudget, RetryPolicy, retry_after_seconds


def test_retry_after_in_seconds_as_a_date_or_in_the_body():
    now = datetime(2026, 11, 2, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "7"})) == 7
    dated = httpx.Response(429, headers={"Retry-After": "Mon, 02 Nov 2026 12:01:30 GMT"})
    assert retry_after_seconds(dated, now=now) == 90
    body = httpx.Response(429, json={"statusCode": 429, "message": "Rate limit is exceeded. Try again in 2 seconds."})
    assert retry_after_seconds(body) == 2
    assert retry_after_seconds(httpx.Response(503, text="busy")) is None


def test_backoff_doubles_within_its_jitter_and_cap():
    policy, rng = RetryPolicy(base_delay=1.0, max_delay=8.0, jitter=0.25), random.Random(7)
    for failures, nominal in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        waits = [policy.backoff(failures, rng) for _ in range(200)]
        assert nominal * 0.75 <= min(waits) and max(waits) <= nominal * 1.25
        assert max(waits) - min(waits) > nominal * 0.3          # jittered, not constant


def test_budget_counts_calls_and_stops():
    budget = CallBudget(2)
    budget.spend()
    budget.spend()
    assert budget.remaining == 0
    with pytest.raises(BudgetError, match=r"call budget \(2 calls, --max-calls\) is spent"):
        budget.spend()
