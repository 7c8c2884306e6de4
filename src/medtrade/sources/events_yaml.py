"""The corridor events file: agreements, MoUs, plants, shipments, shocks, as YAML.

Not a trade reader (it is not in :data:`medtrade.sources.READERS`): events go to the
``events`` table through :func:`medtrade.verbs.events.load_events`. This module only
parses and validates; it never touches the warehouse.

The file is a list (or ``{events: [...]}``) of mappings::

    - date: 2025-12-05          # 2025-12-05 (day), 2025-12 (month) or 2025 (year), as the source states it
      corridor: IND-RUS         # two countries, ISO3 or any known name, either order
      kind: agreement           # agreement | mou | plant | working_group | shipment | sanction | regulation
      title: Health ministries of Russia and India sign a cooperation agreement
      status: done              # announced | in_progress | done | postponed | cancelled
      source: https://...       # a URL, or seed:FILE for the shared seed articles (they carry no URL)

Every problem is one :class:`~medtrade.errors.InputError` naming the file, the line
and what is valid. :func:`load_marked` (YAML with line numbers) is shared with the
claim files of :mod:`medtrade.claims`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from medtrade.catalog import countries
from medtrade.errors import CatalogError, InputError

__all__ = ["KINDS", "PRECISIONS", "STATUSES", "Event", "MarkedDict", "load_marked", "parse_date", "parse_event",
           "read_events"]

KINDS: tuple[str, ...] = ("agreement", "mou", "plant", "working_group", "shipment", "sanction", "regulation")
STATUSES: tuple[str, ...] = ("announced", "in_progress", "done", "postponed", "cancelled")
PRECISIONS: tuple[str, ...] = ("day", "month", "year")
FIELDS: tuple[str, ...] = ("date", "corridor", "kind", "title", "status", "source")
_SOURCE = re.compile(r"^(https?://\S+\.\S+|seed:\S+)$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class MarkedDict(dict):
    """A YAML mapping that remembers where it was written.

    Attributes
    ----------
    line : int
        1-based line of the mapping's first key.
    key_lines : dict
        1-based line of each key's value.
    """

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str, /) -> int:
        """Line of ``key``'s value, else of the mapping."""
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings are :class:`MarkedDict`; dates stay as written (strings)."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> MarkedDict:
    out = MarkedDict(loader.construct_mapping(node, deep=True))
    out.line = node.start_mark.line + 1
    out.key_lines = {str(k.value): v.start_mark.line + 1 for k, v in node.value}
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
# A date is kept as the text written: "2025-12" and "2025-12-05" must parse the same way, with their precision.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def load_marked(path: str | Path, /) -> Any:
    """Parse a YAML file; mappings come back as :class:`MarkedDict` (with line numbers).

    Raises
    ------
    InputError
        The file is missing or is not valid YAML (the message has the line).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        return yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{p}:{mark.line + 1}" if mark else str(p)
        raise InputError(f"{where}: not valid YAML: {exc.problem or exc.context}") from None


def parse_date(value: object, /) -> tuple[date, str]:
    """``2025-12-05`` -> (that day, "day"); ``2025-12`` -> (1 Dec, "month"); ``2025`` -> (1 Jan, "year").

    >>> parse_date("2025-12")
    (datetime.date(2025, 12, 1), 'month')
    """
    if isinstance(value, datetime):
        return value.date(), "day"
    if isinstance(value, date):
        return value, "day"
    m = _DATE.match(str(value).strip()) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if not m:
        raise InputError(f"date `{value}` is not valid: use YYYY-MM-DD, YYYY-MM or YYYY, as precise as the source")
    y, mo, d = int(m[1]), m[2], m[3]
    try:
        if d is not None:
            return date(y, int(mo), int(d)), "day"
        if mo is not None:
            if not 1 <= int(mo) <= 12:
                raise ValueError
            return date(y, int(mo), 1), "month"
        return date(y, 1, 1), "year"
    except ValueError:
        raise InputError(f"date `{value}` is not a calendar date: use YYYY-MM-DD, YYYY-MM or YYYY") from None


def date_end(d: date, precision: str, /) -> date:
    """Last day covered by a date of this precision (the month's or year's last day)."""
    if precision == "year":
        return date(d.year, 12, 31)
    if precision == "month":
        return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])
    return d


def parse_corridor(value: object, /) -> str:
    """``IND-RUS``, ``India - Russia`` or ``[IND, RUS]`` -> ``IND-RUS`` (ISO3, as written order)."""
    parts = [str(v) for v in value] if isinstance(value, list) else str(value or "").split("-")
    parts = [p.strip() for p in parts if p.strip()]
    if len(parts) != 2:
        raise InputError(f"corridor `{value}` is not valid: two countries such as IND-RUS")
    try:
        a, b = (countries.resolve(p) for p in parts)
    except CatalogError as exc:
        raise InputError(f"corridor `{value}`: {exc}") from None
    if a == b:
        raise InputError(f"corridor `{value}` names one country twice: give two, such as IND-RUS")
    return f"{a}-{b}"


@dataclass(frozen=True)
class Event:
    """One event as stored in the ``events`` table (without id and timestamps)."""

    date: date
    date_precision: str
    corridor: str
    kind: str
    title: str
    status: str
    source_url: str

    def asdict(self) -> dict[str, Any]:
        """Plain dict (date as ``datetime.date``)."""
        return asdict(self)


def _choice(value: object, valid: tuple[str, ...], what: str) -> str:
    text = str(value or "").strip().lower().replace(" ", "_").replace("-", "_")
    if text == "memorandum_of_understanding":
        text = "mou"
    if text not in valid:
        raise InputError(f"{what} `{value}` is not valid; valid: {', '.join(valid)}")
    return text


def parse_event(raw: dict[str, Any], /) -> Event:
    """Validate one event mapping (keys of :data:`FIELDS`); raises :class:`InputError` naming the field."""
    if not isinstance(raw, dict):
        raise InputError(f"an event must be a mapping with {', '.join(FIELDS)}; got `{raw}`")
    missing = [k for k in FIELDS if raw.get(k) in (None, "")]
    if missing:
        raise InputError(f"missing field(s) {', '.join(missing)}; an event has {', '.join(FIELDS)}")
    unknown = sorted(set(raw) - set(FIELDS) - {"note"})
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(unknown)}; an event has {', '.join(FIELDS)} (and note)")
    day, precision = _at("date", parse_date, raw["date"])
    source = str(raw["source"]).strip()
    if not _SOURCE.match(source):
        _at("source", _bad, f"source `{source}` is not a URL: give http(s)://... (or seed:FILE for the seed articles)")
    title = " ".join(str(raw["title"]).split())
    return Event(date=day, date_precision=precision, corridor=_at("corridor", parse_corridor, raw["corridor"]),
                 kind=_at("kind", _choice, raw["kind"], KINDS, "kind"), title=title,
                 status=_at("status", _choice, raw["status"], STATUSES, "status"), source_url=source)


def _bad(message: str) -> None:
    raise InputError(message)


def _at(field: str, func: Any, *args: Any) -> Any:
    """Call ``func``; an InputError it raises records ``field`` so the caller can point at its line."""
    try:
        return func(*args)
    except InputError as exc:
        exc.field = field  # type: ignore[attr-defined]
        raise


def read_events(path: str | Path, /) -> list[Event]:
    """Every event of a YAML events file, validated.

    Raises
    ------
    InputError
        One line: ``FILE:LINE: problem``, for the first problem found.

    Examples
    --------
    >>> read_events("examples/events/india_russia.yaml")[0].kind     # doctest: +SKIP
    'shipment'
    """
    doc = load_marked(path)
    items = doc.get("events") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not items:
        line = doc.line if isinstance(doc, MarkedDict) else 1
        raise InputError(f"{path}:{line}: expected a list of events (or `events:` holding one), "
                         f"each with {', '.join(FIELDS)}")
    out: list[Event] = []
    for item in items:
        line = item.line if isinstance(item, MarkedDict) else 0
        try:
            out.append(parse_event(item))
        except InputError as exc:
            if isinstance(item, MarkedDict) and getattr(exc, "field", None):
                line = item.line_of(exc.field)
            raise InputError(f"{path}:{line}: {exc}") from None
    return out
