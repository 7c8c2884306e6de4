"""One exception base with a subclass per stage.

The CLI catches :class:`MedtradeError` once and prints its message as one line
(exit code 2). Messages name the bad value and what would be valid.
"""

from __future__ import annotations


class MedtradeError(Exception):
    """Base of every error medtrade raises on purpose."""


class InputError(ValueError, MedtradeError):
    """A user-supplied value (country, period, unit, segment, option) is not valid."""


class CatalogError(LookupError, MedtradeError):
    """Reference data (countries, HS codes, rates, segments) cannot answer the lookup."""


class RateNotAvailableError(CatalogError):
    """No exchange rate covers the requested currency and period."""


class SourceError(MedtradeError):
    """A file cannot be read as any known format, or is refused as a whole."""


class WarehouseError(MedtradeError):
    """The warehouse cannot be opened, migrated or written."""
