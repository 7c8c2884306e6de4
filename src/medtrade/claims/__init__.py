"""Claim checks: a published number, written as YAML, checked against the warehouse.

See :func:`check_file` and docs/claims.md.
"""

from __future__ import annotations

from medtrade.claims.engine import check_claims, check_file
from medtrade.claims.spec import Claim, read_claims

__all__ = ["Claim", "check_claims", "check_file", "read_claims"]
