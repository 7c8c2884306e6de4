"""Errors of the fetch stage; each is one line the CLI prints with exit code 2."""

from __future__ import annotations

from medtrade.errors import MedtradeError


class FetchError(MedtradeError):
    """A download could not be completed (network, server, budget)."""


class AuthError(FetchError):
    """The server refused the key (HTTP 401, or 403 that is not a quota)."""


class QuotaError(FetchError):
    """The API's call quota is used up; the message says when it resets."""


class BudgetError(FetchError):
    """This run's call budget (``--max-calls`` or the daily limit) is spent; run again to resume."""


class MalformedResponseError(FetchError):
    """The server answered with something that is not the documented layout; the body is kept on disk."""


class ChecksumError(FetchError):
    """A downloaded archive does not match its expected size, SHA-256 or CRC-32; nothing was loaded."""
