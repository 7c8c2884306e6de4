"""Verdicts: run each claim's verb under each definition it leaves open, compare with the stated figure.

Rules (also in every result's ``definition``):

- ``supported`` / ``contradicted``: the computed value is / is not within tolerance of the stated
  one (``eq``), or satisfies / fails ``gt``, ``ge``, ``lt``, ``le``; lists must match in order.
- ``not checkable with the loaded data``: the verb cannot answer from what is loaded (no rows, no
  ranking, an unloaded register...); the explanation says which data would settle it.
- ``depends on definition``: the claim leaves a definition open (``vary``: segment, period,
  dataset...) and the verdicts differ between them; every value is listed with the ones that match.
- Tolerance: the claim's own, else exact for ranks, counts and lists, else 10 % of the stated value
  for hedged figures (``approx``: "about", "around"), else 5 %.
- Currencies: the verb computes in the stated unit (``args.unit``); India's tables give published INR,
  other sources are converted at the period's average rate. A figure published in two currencies
  (``also``) has its implied exchange rate compared with the period's, and the period whose
  average rate it matches is named.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

from medtrade.catalog import currency
from medtrade.catalog.periods import Period, parse_period
from medtrade.claims.spec import CURRENCY_UNITS, Claim, read_claims, verb_function
from medtrade.errors import InputError, MedtradeError
from medtrade.results import Result
from medtrade.warehouse.store import Warehouse

__all__ = ["NOT_CHECKABLE", "VERDICTS", "check_claims", "check_file", "evaluate"]

SUPPORTED, CONTRADICTED = "supported", "contradicted"
NOT_CHECKABLE, DEPENDS = "not checkable with the loaded data", "depends on definition"
VERDICTS: tuple[str, ...] = (SUPPORTED, CONTRADICTED, NOT_CHECKABLE, DEPENDS)
RULES = {
    "verdicts": "supported | contradicted | not checkable with the loaded data | depends on definition",
    "tolerance": "the claim's own; else exact for rank, count and list; else 10% of the stated value when the "
                 "statement hedges (approx: about, around), else 5%",
    "compare": "eq: within tolerance; gt/ge/lt/le: strict comparison, no tolerance; lists: same items in the same order",
    "depends on definition": "the claim leaves a definition open (vary) and the verdicts differ between definitions",
    "currency": "computed in the stated unit: published INR where India's tables give it, else converted at the "
                "period's average ECB rate; a figure stated in two currencies has its implied rate checked",
    "computed": "value under the first definition listed (vary: first value of each); all in `definitions`",
}
_TOLERANCE_APPROX, _TOLERANCE_DEFAULT = 0.10, 0.05
_RATIOS = {"percent": 100.0, "share": 1.0, "probability": 1.0}


def _unit_of(field: str) -> str:
    if field == "share" or field.endswith("_share"):
        return "share"
    if field.startswith("value_") and field[6:] in CURRENCY_UNITS:
        return field[6:]
    if field.startswith("total_value_") and field[12:] in CURRENCY_UNITS:
        return field[12:]
    if field == "rank" or field.endswith("_rank"):
        return "rank"
    if field.endswith("_pct"):
        return "percent"
    if field.startswith("p_") or field.startswith("prob"):
        return "probability"
    if field == "multiple":
        return "multiple"
    return "count"


def _claim_period(claim: Claim, args: dict[str, Any], row: dict | None) -> Period | None:
    for key in ("period", "base", "end"):
        if args.get(key):
            return parse_period(str(args[key]))
    for value in (row or {}).values():
        try:
            return parse_period(str(value))
        except (MedtradeError, ValueError):
            continue
    return None


def _to_unit(value: float, unit: str, to: str, period: Period | None) -> float:
    """``value`` in ``unit`` expressed in ``to`` (percent <-> share, currencies at the period's rate)."""
    if unit == to:
        return value
    if unit in _RATIOS and to in _RATIOS:
        return value / _RATIOS[unit] * _RATIOS[to]
    if unit in CURRENCY_UNITS and to in CURRENCY_UNITS:
        if period is None:
            raise InputError(f"cannot convert {unit} to {to} without a period (give args.period)")
        usd = value * currency.unit_divisor(unit) / currency.average_rate(currency.unit_currency(unit), period)
        return currency.convert_usd(usd, to, period)
    raise InputError(f"the stated unit {unit} cannot be compared with a computed {to}")


def _pick(claim: Claim, result: Result) -> tuple[Any, dict | None, str | None]:
    """(value, row, why-not): the claim's number or list from a verb's rows."""
    rows = result.rows
    if claim.list_of:
        ranked = [r for r in rows if r.get("rank") is not None] if rows and "rank" in rows[0] else rows
        if not ranked:
            return None, None, _why_not(result) or "the verb returned no ranked rows"
        ranked = sorted(ranked, key=lambda r: r.get("rank", 0))[: claim.n]
        return [r.get(claim.list_of) for r in ranked], None, None
    if isinstance(claim.row, dict):
        want = {k: str(v) for k, v in claim.row.items()}
        found = [r for r in rows if all(str(r.get(k)) == v for k, v in want.items())]
        if not found:
            where = ", ".join(f"{k}={v}" for k, v in want.items())
            return None, None, _why_not(result) or f"no row with {where} in the answer ({len(rows)} rows)"
        row = found[0]
    elif rows:
        row = rows[-1] if claim.row == "last" else rows[0]
    else:
        return None, None, _why_not(result) or "the verb returned no rows"
    value = row.get(claim.field)  # type: ignore[arg-type]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, row, _why_not(result) or f"no value in field {claim.field}"
    if claim.complement:
        value = 1 - value
    return float(value), row, None


def _why_not(result: Result) -> str | None:
    """The verb's own note on what is missing (e.g. "not ranked: ... To rank, load ...")."""
    for note in result.notes:
        low = note.lower()
        if low.startswith(("not ranked", "no ")) or "load " in low:
            return note
    return None


def _tolerance(claim: Claim, stated: float) -> float:
    if claim.tolerance:
        return max(claim.tolerance.get("relative", 0.0) * abs(stated), claim.tolerance.get("absolute", 0.0))
    if claim.stated.unit in ("rank", "count", "list"):
        return 0.0
    return (_TOLERANCE_APPROX if claim.approx else _TOLERANCE_DEFAULT) * abs(stated)


def _judge(claim: Claim, computed: Any, unit: str, period: Period | None) -> tuple[str, str, Any]:
    """(verdict, explanation, stated value in the computed unit)."""
    if claim.stated.unit == "list":
        stated = claim.stated.value
        if computed == stated:
            return SUPPORTED, f"the top {len(stated)} are {', '.join(computed)}, as stated", stated
        if sorted(computed) == sorted(stated):  # type: ignore[type-var]
            return CONTRADICTED, f"same countries, different order: {', '.join(computed)}", stated
        return CONTRADICTED, f"the top {len(stated)} are {', '.join(map(str, computed))}", stated
    stated = _to_unit(float(claim.stated.value), claim.stated.unit, unit, period)  # type: ignore[arg-type]
    shown = f"{_fmt(stated)} {unit}" + ("" if unit == claim.stated.unit else f" (stated {claim.stated})")
    if claim.compare != "eq":
        ok = {"gt": computed > stated, "ge": computed >= stated, "lt": computed < stated,
              "le": computed <= stated}[claim.compare]
        sign = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[claim.compare]
        return (SUPPORTED if ok else CONTRADICTED), f"computed {_fmt(computed)} {unit}; stated {sign} {shown}", stated
    tol = _tolerance(claim, stated)
    diff = computed - stated
    rel = f" ({diff / stated:+.1%})" if stated else ""
    text = f"computed {_fmt(computed)} {unit} vs stated {shown}: {diff:+,.4g}{rel}, tolerance ±{_fmt(tol)}"
    return (SUPPORTED if abs(diff) <= tol + 1e-12 else CONTRADICTED), text, stated


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:,.5g}" if abs(x) < 1000 else f"{x:,.2f}"
    return str(x)


def _candidates(claim: Claim) -> list[dict[str, Any]]:
    if not claim.vary:
        return [{}]
    keys = list(claim.vary)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(claim.vary[k] for k in keys))]


def _rate_note(claim: Claim, period: Period | None) -> str | None:
    """A figure stated in two currencies: which exchange rate do the two numbers imply?"""
    if claim.also is None or period is None:
        return None
    pair = claim.also
    units = {s.unit for s in pair}
    if not units <= set(CURRENCY_UNITS) or len({currency.unit_currency(u) for u in units}) != 2 \
            or "USD" not in {currency.unit_currency(u) for u in units}:
        return None
    local, usd = pair if currency.unit_currency(pair[0].unit) != "USD" else pair[::-1]
    ccy = currency.unit_currency(local.unit)
    amount = float(local.value) * currency.unit_divisor(local.unit)  # type: ignore[arg-type]
    usd_amount = float(usd.value) * currency.unit_divisor(usd.unit)  # type: ignore[arg-type]
    # The USD figure is rounded as published ("about $75 million"): half a unit of its last digit either way.
    step = 10 ** _last_digit_exponent(float(usd.value)) / 2 * currency.unit_divisor(usd.unit)  # type: ignore[arg-type]
    implied, lo, hi = amount / usd_amount, amount / (usd_amount + step), amount / (usd_amount - step)
    rate = currency.average_rate(ccy, period)
    at_rate = amount / rate / currency.unit_divisor(usd.unit)
    head = (f"{local} and {usd} imply {implied:.2f} {ccy}/USD ({lo:.2f}-{hi:.2f} with {usd.value:g} rounded); "
            f"{period}'s average rate is {rate:.2f}, at which {local} is {at_rate:,.2f} {usd.unit}")
    if lo <= rate <= hi:
        return head + ": consistent"
    table = currency.rates_table((ccy,))
    table = table[table.period_type.isin(["year", "fy"])]
    inside = table[(table.per_usd >= lo) & (table.per_usd <= hi)]
    best = table.iloc[(table.per_usd - implied).abs().argsort()[:1]]
    if inside.empty:
        name = f"closest period average: {best.period.iloc[0]} ({best.per_usd.iloc[0]:.2f})"
    else:
        order = inside.iloc[(inside.per_usd - implied).abs().argsort()]
        name = "the average rate of " + ", ".join(f"{p} ({r:.2f})" for p, r in zip(order.period, order.per_usd))
    return head + f": the pair matches {name}, not {period}'s average"


def _last_digit_exponent(x: float) -> int:
    text = f"{x:.10g}"
    if "." in text:
        return -len(text.split(".")[1])
    return len(text) - len(text.rstrip("0"))


def evaluate(wh: Warehouse, claim: Claim, /) -> tuple[dict[str, Any], list[dict]]:
    """One claim's row (see :func:`check_claims`) and the sources behind it."""
    base = {"id": claim.id, "statement": claim.statement, "source": claim.source, "metric": claim.metric_text(),
            "stated": str(claim.stated) + ("" if not claim.also else f" (= {claim.also[1]})"
                                           if claim.also[0] is claim.stated else f" ({claim.also[0]} = {claim.also[1]})"),
            "stated_value": claim.stated.value, "stated_unit": claim.stated.unit}
    if claim.verb is None:
        return base | {"computed": None, "computed_unit": None, "verdict": NOT_CHECKABLE,
                       "explanation": f"no loaded data measures this; would settle it: {claim.data_needed}",
                       "definitions": [], "sources": ""}, []
    run = verb_function(claim.verb)
    outcomes, sources = [], []
    for cand in _candidates(claim):
        args = {**claim.args, **cand}
        label = ", ".join(f"{k}={v}" for k, v in cand.items()) or "as stated"
        try:
            result = run(wh, **args)
        except MedtradeError as exc:
            outcomes.append({"definition": label, "computed": None, "verdict": NOT_CHECKABLE, "why": str(exc)})
            continue
        sources += result.sources
        value, row, why = _pick(claim, result)
        if value is None:
            outcomes.append({"definition": label, "computed": None, "verdict": NOT_CHECKABLE, "why": why})
            continue
        unit = "list" if claim.list_of else _unit_of(claim.field or "")
        if unit in _RATIOS and claim.stated.unit in _RATIOS and unit != claim.stated.unit:
            # Shown as stated: 9.85 percent beside "about 10%", not 0.0985 share.
            value, unit = _to_unit(value, unit, claim.stated.unit, None), claim.stated.unit
        period = _claim_period(claim, args, row)
        verdict, text, _ = _judge(claim, value, unit, period)
        outcomes.append({"definition": label, "computed": value, "unit": unit, "verdict": verdict, "why": text,
                         "period": period})
    checked = [o for o in outcomes if o["verdict"] != NOT_CHECKABLE]
    verdicts = {o["verdict"] for o in checked}
    first = outcomes[0]
    if not checked:
        verdict = NOT_CHECKABLE
        need = f"; would settle it: {claim.data_needed}" if claim.data_needed else ""
        explanation = first["why"] + need
    elif len(verdicts) == 1:
        verdict = verdicts.pop()
        explanation = first["why"] if len(outcomes) == 1 else "; ".join(
            f"{o['definition']}: {o['why']}" for o in outcomes)
        if len(outcomes) > 1:
            explanation = f"{verdict} under every definition tried ({len(outcomes)}): " + explanation
    else:
        verdict = DEPENDS
        good = [o["definition"] for o in checked if o["verdict"] == SUPPORTED]
        explanation = (f"matches the stated figure under {' | '.join(good)}; not under "
                       f"{' | '.join(o['definition'] for o in checked if o['verdict'] == CONTRADICTED)}. "
                       + "; ".join(f"{o['definition']}: {o['why']}" for o in outcomes))
    rate = _rate_note(claim, next((o["period"] for o in checked), None) or _claim_period(claim, claim.args, None))
    if rate:
        explanation += f". Exchange rate: {rate}"
    if claim.note:
        explanation += f". Note: {claim.note}"
    names = list(dict.fromkeys(str(s.get("name")) for s in sources))
    return base | {
        "computed": first.get("computed"), "computed_unit": first.get("unit"), "verdict": verdict,
        "explanation": explanation,
        "definitions": [{"definition": o["definition"], "computed": o["computed"], "verdict": o["verdict"]}
                        for o in outcomes],
        "sources": "; ".join(names),
    }, sources


def check_claims(wh: Warehouse, claims: list[Claim], /, *, name: str = "claims") -> Result:
    """Verdicts for validated claims: one row per claim.

    Row keys: ``id, statement, source, metric, stated, stated_value, stated_unit, computed,
    computed_unit, verdict, explanation, definitions`` (value and verdict under each definition
    tried) and ``sources`` (file names, ``; ``-separated).
    """
    rows, sources = [], []
    for claim in claims:
        row, used = evaluate(wh, claim)
        rows.append(row)
        sources += used
    seen: dict[str, dict] = {}
    for s in sources:
        seen.setdefault(str(s.get("sha256") or s.get("name")), s)
    counts = {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS}
    return Result(
        title=f"Claims: {name}",
        query={"verb": "claims check", "file": name},
        definition=dict(RULES),
        rows=rows, sources=list(seen.values()),
        notes=[", ".join(f"{n} {v}" for v, n in counts.items() if n) + f" ({len(rows)} claims)",
               "a verdict is about the loaded data and the stated definition; it is evidence, not a ruling"],
    )


def check_file(wh: Warehouse, path: str | Path, /) -> Result:
    """Check every claim of a YAML claim file (validated first: one bad line stops it).

    Examples
    --------
    >>> res = check_file(wh, "examples/claims/india_russia.yaml")         # doctest: +SKIP
    >>> {r["id"]: r["verdict"] for r in res.rows}["grls-india-share"]     # doctest: +SKIP
    'supported'
    """
    return check_claims(wh, read_claims(path), name=Path(path).name)
