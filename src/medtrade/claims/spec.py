"""Claim files: YAML, validated before anything runs, every problem one line with file and line.

A claim file is a list (or ``{claims: [...]}``) of mappings::

    - id: grls-india-share                      # unique in the file
      statement: about 10% of all drugs registered in Russia are of Indian production
      source: seed:000_6dbb00c6498a0010.txt     # URL or seed:FILE
      metric:                                   # any verb with its arguments, or `none` (see data_needed)
        verb: registry share
        args: {by: manufacturer_country}
        row: {country: IND}                     # the row whose field is the value (all keys equal), or first/last
        field: share                            # or list: partner (with n) for an ordered list of a column
      stated: {value: 10, unit: percent}        # unit: percent, share, usd, usd_mn, inr_crore, inr_lakh, rub,
                                                # rank, count, probability, multiple, list
      also: {value: 75, unit: usd_mn}           # the same figure in another currency, as published (optional);
                                                # or a list of two: one amount in two currencies
      approx: true                              # "about", "around": wider default tolerance
      tolerance: {relative: 0.1}                # or {absolute: 2} in the stated unit (optional)
      compare: eq                               # eq (within tolerance), gt, ge, lt, le
      vary: {segment: [medical_devices_core, medical_devices]}   # definitions the statement leaves open
      data_needed: Russian customs imports by partner for 2021   # what would settle it when not checkable
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any, Callable

from medtrade._typing import DATASETS
from medtrade.catalog import countries
from medtrade.catalog.periods import parse_period
from medtrade.catalog.segments import load_segment, presets
from medtrade.errors import InputError, MedtradeError
from medtrade.sources.events_yaml import MarkedDict, load_marked

__all__ = ["COMPARES", "UNITS", "VERBS", "Claim", "read_claims", "verb_function"]

#: Verb name -> (module, function). Every analytic, registry and forecast verb.
VERBS: dict[str, tuple[str, str]] = {
    "flows": ("medtrade.verbs.flows", "run_flows"),
    "top": ("medtrade.verbs.rankings", "run_top"),
    "share": ("medtrade.verbs.rankings", "run_share"),
    "concentration": ("medtrade.verbs.rankings", "run_concentration"),
    "growth": ("medtrade.verbs.growth", "run_growth"),
    "drivers": ("medtrade.verbs.growth", "run_drivers"),
    "mirror": ("medtrade.verbs.mirror", "run_mirror"),
    "potential": ("medtrade.verbs.potential", "run_potential"),
    "registry share": ("medtrade.verbs.registry", "run_share"),
    "registry companies": ("medtrade.verbs.registry", "run_companies"),
    "registry timeline": ("medtrade.verbs.registry", "run_timeline"),
    "registry link": ("medtrade.verbs.registry", "run_link"),
    "forecast": ("medtrade.verbs.forecast", "run_forecast"),
    "backtest": ("medtrade.verbs.forecast", "run_backtest"),
    "target": ("medtrade.verbs.forecast", "run_target"),
}
CURRENCY_UNITS: tuple[str, ...] = ("usd", "usd_mn", "inr_crore", "inr_lakh", "rub")
UNITS: tuple[str, ...] = ("percent", "share", *CURRENCY_UNITS, "rank", "count", "probability", "multiple", "list")
COMPARES: tuple[str, ...] = ("eq", "gt", "ge", "lt", "le")
FIELDS = ("id", "statement", "source", "metric", "stated", "also", "approx", "tolerance", "compare", "vary",
          "data_needed", "note")
REQUIRED = ("id", "statement", "source", "metric", "stated")
METRIC_FIELDS = ("verb", "args", "row", "field", "list", "n", "complement")
_PERIOD_ARGS = ("period", "start", "end", "base")
_COUNTRY_ARGS = ("exporter", "importer", "partner", "target", "country")


@dataclass(frozen=True)
class Stated:
    """A published figure: a number (or a list of ISO3 codes) and its unit."""

    value: float | list[str]
    unit: str

    def __str__(self) -> str:
        if isinstance(self.value, list):
            return ", ".join(self.value)
        return f"{self.value:g} {self.unit}"


@dataclass(frozen=True)
class Claim:
    """One claim of a claim file, validated (see the module docstring for the fields)."""

    id: str
    statement: str
    source: str
    line: int
    verb: str | None
    args: dict[str, Any]
    row: dict[str, Any] | str | None
    field: str | None
    list_of: str | None
    n: int | None
    complement: bool
    stated: Stated
    also: tuple[Stated, Stated] | None
    approx: bool
    tolerance: dict[str, float] | None
    compare: str
    vary: dict[str, list[Any]] = field(default_factory=dict)
    data_needed: str | None = None
    note: str | None = None

    def metric_text(self) -> str:
        """``verb key=value ...`` as a CLI user would type it."""
        if self.verb is None:
            return "none (no loaded data measures this)"
        parts = [self.verb, *(f"--{k.replace('_', '-')} {v}" for k, v in self.args.items())]
        parts += [f"--{k.replace('_', '-')} {'|'.join(map(str, v))}" for k, v in self.vary.items()]
        pick = f"list of {self.list_of} (top {self.n})" if self.list_of else f"{self.field}"
        if isinstance(self.row, dict):
            pick += " where " + ", ".join(f"{k}={v}" for k, v in self.row.items())
        elif self.row:
            pick += f" of the {self.row} row"
        return " ".join(parts) + f" -> {'1 - ' if self.complement else ''}{pick}"


def verb_function(name: str, /) -> Callable[..., Any]:
    """The ``run_*`` function of a verb name (see :data:`VERBS`)."""
    module, func = VERBS[name]
    return getattr(import_module(module), func)


class _Problem(Exception):
    def __init__(self, message: str, key: str | None = None, mapping: MarkedDict | None = None) -> None:
        super().__init__(message)
        self.key, self.mapping = key, mapping


def _stated(raw: object, key: str) -> Stated:
    if not isinstance(raw, dict) or "value" not in raw or "unit" not in raw:
        raise _Problem(f"`{key}` must be a mapping with value and unit (unit one of {', '.join(UNITS)})", key)
    unit = str(raw["unit"]).strip().lower()
    if unit not in UNITS:
        raise _Problem(f"unknown unit or currency `{raw['unit']}` in `{key}`; valid: {', '.join(UNITS)}", key)
    value = raw["value"]
    if unit == "list":
        if not isinstance(value, list) or not value:
            raise _Problem(f"`{key}.value` must be a list of countries when unit is list", key)
        try:
            return Stated([countries.resolve(str(v)) for v in value], unit)
        except MedtradeError as exc:
            raise _Problem(f"`{key}.value`: {exc}", key) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Problem(f"`{key}.value` must be a number, got `{value}`", key)
    return Stated(float(value), unit)


def _check_args(verb: str, args: dict[str, Any], metric: MarkedDict) -> list[str]:
    """Refuse unknown arguments and bad values; return the verb's required keyword arguments."""
    params = inspect.signature(verb_function(verb)).parameters
    valid = [p for p, v in params.items() if v.kind is inspect.Parameter.KEYWORD_ONLY]
    marked = metric.get("args")
    where, at = (marked, None) if isinstance(marked, MarkedDict) else (metric, "args")
    unknown = [k for k in args if k not in valid]
    if unknown:
        raise _Problem(f"verb `{verb}` has no argument `{unknown[0]}`; valid: {', '.join(valid)}",
                       at or unknown[0], where)
    required = [p for p in valid if params[p].default is inspect.Parameter.empty]
    for key, value in args.items():
        try:
            _check_value(key, value, None)
        except _Problem as exc:
            raise _Problem(str(exc), at or key, where) from None
    return required


def _check_value(key: str, value: Any, where: MarkedDict | None) -> None:
    try:
        if key in _PERIOD_ARGS and value is not None:
            parse_period(str(value))
        elif key in _COUNTRY_ARGS and value is not None:
            countries.resolve(str(value))
        elif key == "segment" and value != "any":
            load_segment(str(value))
        elif key == "dataset" and value is not None and value not in DATASETS:
            raise InputError(f"unknown dataset `{value}`; valid: {', '.join(DATASETS)}")
        elif key == "unit" and value not in CURRENCY_UNITS:
            raise InputError(f"unknown unit or currency `{value}`; valid: {', '.join(CURRENCY_UNITS)}")
    except MedtradeError as exc:
        raise _Problem(f"argument `{key}`: {exc}", "args", where) from None


def _claim(raw: object, *, seen: set[str]) -> Claim:
    if not isinstance(raw, MarkedDict):
        raise _Problem(f"a claim must be a mapping with {', '.join(REQUIRED)}; got `{raw}`")
    missing = [k for k in REQUIRED if raw.get(k) in (None, "")]
    if missing:
        raise _Problem(f"claim `{raw.get('id', '?')}`: missing field(s) {', '.join(missing)}; "
                       f"a claim has {', '.join(REQUIRED)}")
    unknown = [k for k in raw if k not in FIELDS]
    if unknown:
        raise _Problem(f"unknown field `{unknown[0]}`; valid: {', '.join(FIELDS)}", unknown[0])
    cid = str(raw["id"])
    if cid in seen:
        raise _Problem(f"duplicate claim id `{cid}`", "id")
    stated = _stated(raw["stated"], "stated")
    also = raw.get("also")
    if isinstance(also, list):
        if len(also) != 2:
            raise _Problem("`also` is the stated figure in another currency, or a list of two: one amount in two "
                           "currencies", "also")
        pair: tuple[Stated, Stated] | None = (_stated(also[0], "also"), _stated(also[1], "also"))
    else:
        pair = (stated, _stated(also, "also")) if also is not None else None
    compare = str(raw.get("compare", "eq"))
    if compare not in COMPARES:
        raise _Problem(f"unknown compare `{compare}`; valid: {', '.join(COMPARES)}", "compare")
    tol = raw.get("tolerance")
    if tol is not None and (not isinstance(tol, dict) or set(tol) - {"relative", "absolute"} or not tol
                            or any(isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 for v in tol.values())):
        raise _Problem("`tolerance` must be {relative: 0.05} or {absolute: 2} (non-negative numbers)", "tolerance")
    metric = raw["metric"]
    verb = args = row = fld = list_of = n = None
    complement, vary = False, {}
    if metric != "none":
        if not isinstance(metric, MarkedDict) or "verb" not in metric:
            raise _Problem("`metric` must be a mapping with verb, args, row, field (or `none`)", "metric")
        bad = [k for k in metric if k not in METRIC_FIELDS]
        if bad:
            raise _Problem(f"unknown metric field `{bad[0]}`; valid: {', '.join(METRIC_FIELDS)}", bad[0], metric)
        verb = str(metric["verb"]).strip()
        if verb not in VERBS:
            raise _Problem(f"unknown verb `{verb}`; valid: {', '.join(VERBS)}", "verb", metric)
        args = dict(metric.get("args") or {})
        vary = {k: (v if isinstance(v, list) else [v]) for k, v in dict(raw.get("vary") or {}).items()}
        if vary.get("segment") == ["any"]:
            vary["segment"] = [s.name for s in presets()]
        required = _check_args(verb, {**args, **{k: v[0] for k, v in vary.items()}}, metric)
        for key, values in vary.items():
            for value in values:
                try:
                    _check_value(key, value, None)
                except _Problem as exc:
                    raise _Problem(str(exc).replace("argument", "vary"), "vary") from None
        absent = [p for p in required if p not in args and p not in vary]
        if absent:
            raise _Problem(f"verb `{verb}` needs argument(s) {', '.join(absent)}", "args", metric)
        row, fld, list_of = metric.get("row"), metric.get("field"), metric.get("list")
        if (fld is None) == (list_of is None):
            raise _Problem("metric needs exactly one of `field` (a number) or `list` (a column, with n)", "verb", metric)
        if list_of is not None and stated.unit != "list":
            raise _Problem("metric `list` needs stated unit `list`", "list", metric)
        n = metric.get("n")
        if list_of is not None and not isinstance(n, int):
            raise _Problem("metric `list` needs `n`, the number of leading rows", "list", metric)
        if row is not None and not isinstance(row, dict) and row not in ("first", "last"):
            raise _Problem(f"`row` must be a mapping (column: value) or first/last, got `{row}`", "row", metric)
        complement = bool(metric.get("complement", False))
    elif not raw.get("data_needed"):
        raise _Problem("a claim with `metric: none` needs `data_needed`: which data would settle it", "metric")
    seen.add(cid)
    return Claim(id=cid, statement=" ".join(str(raw["statement"]).split()), source=str(raw["source"]),
                 line=raw.line, verb=verb, args=args or {}, row=row, field=fld, list_of=list_of, n=n,
                 complement=complement, stated=stated, also=pair, approx=bool(raw.get("approx", False)),
                 tolerance=tol, compare=compare, vary=vary, data_needed=raw.get("data_needed"), note=raw.get("note"))


def read_claims(path: str | Path, /) -> list[Claim]:
    """Every claim of a claim file, validated: unknown verbs, arguments, periods, countries,
    segments, units and currencies are refused before anything is computed.

    Raises
    ------
    InputError
        ``FILE:LINE: problem`` for the first problem found.
    """
    doc = load_marked(path)
    items = doc.get("claims") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not items:
        raise InputError(f"{path}:1: expected a list of claims (or `claims:` holding one), each with "
                         f"{', '.join(REQUIRED)}")
    seen: set[str] = set()
    out = []
    for item in items:
        try:
            out.append(_claim(item, seen=seen))
        except _Problem as exc:
            where = exc.mapping if exc.mapping is not None else item
            line = where.line_of(exc.key) if isinstance(where, MarkedDict) and exc.key else \
                getattr(where, "line", 0)
            raise InputError(f"{path}:{line}: {exc}") from None
    return out
