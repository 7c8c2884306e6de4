"""Product segments: named, versioned sets of HS code prefixes.

A segment is defined by ``include`` prefixes and optional ``exclude`` prefixes (2-10
digits, matched against HS6 or national 8/10-digit codes). Presets ship as YAML files in
``medtrade/catalog/segments/``; users can write their own file with the same fields::

    name: medicaments_no_other
    version: "1"
    include: ["3004"]
    exclude: ["300490"]

Caveat: a code shorter than an exclude prefix (e.g. an HS4 total ``3004`` when
``300490`` is excluded) cannot be split and still matches.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from medtrade.catalog import hs
from medtrade.errors import CatalogError, InputError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["Segment", "describe_segment", "load_segment", "presets"]

_PREFIX = re.compile(r"[0-9]{2,10}")
_DIGITS = re.compile(r"[0-9]+")
_FIELDS = ("name", "version", "title", "description", "include", "exclude", "source")
_REQUIRED = ("name", "include")


def _check_prefixes(values: object, *, field: str, where: str) -> tuple[str, ...]:
    """Validate a list of prefixes; `where` names the file or object in messages."""
    if not isinstance(values, (list, tuple)):
        raise InputError(f"{where}: `{field}` must be a list of quoted codes, got {values!r}")
    out: list[str] = []
    for value in values:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise InputError(
                f"{where}: `{field}` value {value!r} is a number: quote the codes "
                f"(e.g. \"{value}\") so leading zeros are kept"
            )
        if not isinstance(value, str) or not _PREFIX.fullmatch(value):
            raise InputError(
                f"{where}: `{field}` value {value!r} is not a code prefix of 2 to 10 digits"
            )
        if value not in out:
            out.append(value)
    return tuple(out)


def _check_segment(seg: dict[str, object], where: str) -> None:
    for field in ("name", "version", "title", "description"):
        value = seg[field]
        if not isinstance(value, str):
            hint = " (quote it)" if isinstance(value, (int, float)) else ""
            raise InputError(f"{where}: `{field}` must be a string{hint}, got {value!r}")
    if not str(seg["name"]).strip():
        raise InputError(f"{where}: `name` must not be empty")
    include = _check_prefixes(seg["include"], field="include", where=where)
    exclude = _check_prefixes(seg["exclude"], field="exclude", where=where)
    if not include:
        raise InputError(f"{where}: `include` must list at least one code prefix")
    for code in exclude:
        # An exclude must carve a part out of an include; anything else is a typo.
        if not any(code.startswith(p) and code != p for p in include):
            raise InputError(
                f"{where}: `exclude` value '{code}' is not a longer code inside any `include` "
                f"prefix {list(include)}, so it would remove nothing or a whole prefix"
            )


@dataclass(frozen=True)
class Segment:
    """A named, versioned set of HS code prefixes.

    Attributes
    ----------
    name, version, title, description
        Identity and documentation; ``description`` states the caveats.
    include
        Code prefixes (2-10 digits) that belong to the segment.
    exclude
        Longer prefixes carved out of ``include``; exclude wins over include.
    path
        The YAML file the segment was loaded from (``None`` if built in code).
    source
        Where the definition comes from / why.

    Examples
    --------
    >>> seg = Segment("m", "1", "M", "", include=("3004",), exclude=("300490",))
    >>> seg.matches("30041000"), seg.matches("30049099"), seg.matches("XXXXXXXX")
    (True, False, False)
    """

    name: str
    version: str
    title: str
    description: str
    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    path: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        where = f"segment `{self.name}`"
        fields = ("name", "version", "title", "description", "include", "exclude")
        _check_segment({f: getattr(self, f) for f in fields}, where)
        for field in ("include", "exclude"):  # lists -> tuples, duplicates dropped
            value = _check_prefixes(getattr(self, field), field=field, where=where)
            object.__setattr__(self, field, value)

    def matches(self, code: str | None) -> bool:
        """Whether a code (HS or national, any length) belongs to the segment."""
        if not isinstance(code, str) or not _DIGITS.fullmatch(code):
            return False
        return code.startswith(self.include) and not code.startswith(self.exclude)

    def sql_predicate(self, column: str) -> str:
        """DuckDB SQL boolean expression equivalent to :meth:`matches` (never NULL).

        `column` is inserted verbatim: pass a trusted column name, quoted if needed.
        Codes are validated digit strings, so the literals need no escaping.

        >>> Segment("m", "1", "M", "", include=("3004",)).sql_predicate("hs")
        "(hs IS NOT NULL AND (starts_with(hs, '3004')) AND regexp_full_match(hs, '[0-9]+'))"
        """
        inc = " OR ".join(f"starts_with({column}, '{p}')" for p in self.include)
        # A plain conjunction, not wrapped in coalesce(): DuckDB then applies its terms one
        # after another and runs the regular expression only on rows the prefixes keep.
        sql = f"{column} IS NOT NULL AND ({inc}) AND regexp_full_match({column}, '[0-9]+')"
        if self.exclude:
            exc = " OR ".join(f"starts_with({column}, '{p}')" for p in self.exclude)
            sql += f" AND NOT ({exc})"
        return f"({sql})"

    def ibis_predicate(self, column: ir.StringValue) -> ir.BooleanValue:
        """Ibis boolean expression equivalent to :meth:`matches` (NULL codes give False).

        Examples
        --------
        >>> import ibis
        >>> t = ibis.memtable({"hs": ["30049099", "90183100"]})
        >>> seg = load_segment("medicaments")
        >>> t.filter(seg.ibis_predicate(t.hs)).hs.to_list()  # doctest: +SKIP
        ['30049099']
        """
        prefixes = column.startswith(self.include[0])
        for prefix in self.include[1:]:
            prefixes |= column.startswith(prefix)
        # A plain conjunction (no fill_null/coalesce around it), never NULL: see sql_predicate.
        pred = column.notnull() & prefixes & column.re_search(r"^[0-9]+$")
        for prefix in self.exclude:
            pred &= ~column.startswith(prefix)
        return pred

    def heading_predicate(self, column: ir.StringValue) -> ir.BooleanValue:
        """Ibis boolean expression: the HS4 heading in *column* lies in the segment, at heading level.

        A heading is in when an include prefix of up to four digits covers it or a longer
        one lies inside it; only exclusions of whole headings (or chapters) take it out.
        For summaries by heading (the flow index), where subheadings are not visible.
        """
        covers = [column.startswith(p) if len(p) <= 4 else column == p[:4] for p in self.include]
        pred = covers[0]
        for cover in covers[1:]:
            pred |= cover
        pred = column.re_search(r"^[0-9]{4}$") & pred
        for prefix in (p for p in self.exclude if len(p) <= 4):
            pred &= ~column.startswith(prefix)
        return pred.fill_null(False)

    def definition(self) -> dict[str, str | list[str]]:
        """The definition as plain data, for JSON output and provenance."""
        return {
            "name": self.name,
            "version": self.version,
            "title": self.title,
            "include": list(self.include),
            "exclude": list(self.exclude),
        }


def _preset_dir():  # noqa: ANN202 - an importlib Traversable
    return resources.files("medtrade.catalog") / "segments"


def _parse(text: str, *, where: str, path: str | None, default_version: str) -> Segment:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        detail = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise InputError(f"{where}: not valid YAML{at}: {detail}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping with fields {list(_FIELDS)}, got {data!r}")
    unknown = sorted(str(k) for k in data if k not in _FIELDS)
    if unknown:
        raise InputError(f"{where}: unknown field(s) {unknown}; valid fields are {list(_FIELDS)}")
    missing = [f for f in _REQUIRED if data.get(f) in (None, "", [])]
    if missing:
        raise InputError(f"{where}: missing required field `{missing[0]}`")
    name = data["name"]
    exclude = data.get("exclude")
    source = data.get("source")
    if source is not None and not isinstance(source, str):
        raise InputError(f"{where}: `source` must be a string, got {source!r}")
    seg_fields: dict[str, object] = {
        "name": name,
        "version": data.get("version", default_version),
        "title": data.get("title", name),
        "description": data.get("description") or "",
        "include": data["include"],
        "exclude": [] if exclude is None else exclude,
    }
    _check_segment(seg_fields, where)  # first, so that messages name the file
    return Segment(**seg_fields, path=path, source=source)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def _presets() -> tuple[Segment, ...]:
    out = []
    for entry in sorted(_preset_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            where = f"preset file `{entry.name}`"
            seg = _parse(entry.read_text(encoding="utf-8"), where=where, path=str(entry),
                         default_version="")
            if seg.name != entry.name.removesuffix(".yaml") or not seg.version:
                raise CatalogError(f"{where}: `name` must equal the file name and `version` be set")
            out.append(seg)
    return tuple(out)


def presets() -> list[Segment]:
    """The shipped preset segments, sorted by name."""
    return list(_presets())


def load_segment(name_or_path: str | Path, /) -> Segment:
    """A preset by name, or a user segment from a YAML file.

    Parameters
    ----------
    name_or_path
        A preset name (``pharma``, ``medicaments``, ...) or the path of a YAML file with
        the fields ``name``, ``include`` (required), ``version``, ``title``,
        ``description``, ``exclude``, ``source``. Codes must be quoted strings. A file
        without ``version`` gets ``file-<sha256 prefix>`` of its content.

    Raises
    ------
    InputError
        Unknown preset, unreadable file, bad YAML, missing field or bad code; the message
        names the file, the field and the value.

    Examples
    --------
    >>> load_segment("medicaments").include
    ('3003', '3004')
    """
    by_name = {seg.name: seg for seg in _presets()}
    key = str(name_or_path)
    if key in by_name:
        return by_name[key]
    path = Path(name_or_path)
    if not path.is_file():
        looks_like_path = path.suffix in (".yaml", ".yml") or "/" in key or "\\" in key
        what = f"segment file `{key}` does not exist" if looks_like_path else f"unknown segment `{key}`"
        raise InputError(f"{what}: use a preset ({', '.join(sorted(by_name))}) or a YAML file path")
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"segment file `{path}` cannot be read as UTF-8 text: {exc}") from exc
    version = f"file-{hashlib.sha256(raw).hexdigest()[:12]}"
    return _parse(text, where=f"segment file `{path}`", path=str(path), default_version=version)


def describe_segment(segment: Segment, /) -> list[dict[str, str | None]]:
    """One row per prefix: ``prefix``, ``role`` (include/exclude), HS2022 ``description``.

    The description is ``None`` for prefixes that are not an HS2022 chapter, heading or
    subheading (odd lengths, national 8/10-digit lines, HS2017-only codes).

    >>> describe_segment(load_segment("pharma"))[0]
    {'prefix': '30', 'role': 'include', 'description': 'Pharmaceutical products'}
    """
    rows: list[dict[str, str | None]] = []
    for role, prefixes in (("include", segment.include), ("exclude", segment.exclude)):
        rows += [{"prefix": p, "role": role, "description": hs.describe(p)} for p in prefixes]
    return rows
