"""HTTP API and dashboard (``medtrade serve``): JSON endpoints mirroring the CLI verbs."""

from __future__ import annotations

from medtrade.api.app import create_app

__all__ = ["create_app"]
