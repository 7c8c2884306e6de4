"""`medtrade top`, `share` and `concentration`: a reporter's partners ranked, shared and concentrated.

Ranking rule: partners can be ranked, shared or measured for concentration only from
statistics that list all of the reporter's partners. The chosen dataset must list, for
the reporter and flow in the period (any product), at least :data:`MIN_PARTNERS`
country partners AND at least :data:`MIN_COVERAGE` of the most partners any loaded
dataset lists for that reporter in one published period (its usual count). Corridor
files fail the rule (Russian customs' trade with India only: ``ru-fts``; India's monthly
figures for Russia only: ``in-monthly``): the verbs then return the partner values
without ranks or shares and say in ``notes`` which data would answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir

from medtrade.analysis import flows as fl
from medtrade.analysis import rankings as rk
from medtrade.analysis.shares import share_of
from medtrade.catalog import countries
from medtrade.catalog.periods import Period, parse_period
from medtrade.catalog.segments import Segment, load_segment
from medtrade.errors import InputError, MedtradeError
from medtrade.results import Result
from medtrade.verbs.common import (
    DATASET_NAMES,
    choose_dataset,
    index_rows,
    label_of,
    rates_for,
    sources_by_id,
)
from medtrade.verbs.flows import COVERAGE_TOLERANCE, complete_periods
from medtrade.warehouse.store import Warehouse

__all__ = ["MIN_COVERAGE", "MIN_PARTNERS", "can_rank", "run_concentration", "run_share", "run_top"]

#: Fewest country partners a reporter's statistics must list to rank its partners.
MIN_PARTNERS = 10
#: Least fraction of the reporter's usual partner count the chosen dataset must list.
MIN_COVERAGE = 0.5
MEASURES = ("value", "quantity", "net_weight_kg")


def can_rank(partners: int, usual: int, /) -> bool:
    """The ranking rule of this module (see the module docstring)."""
    return partners >= MIN_PARTNERS and partners >= MIN_COVERAGE * usual


@dataclass(frozen=True)
class _Query:
    """A resolved question: who reports which flow, from which dataset, which rows, in what unit."""

    wh: Warehouse
    rep: str
    flow: str
    role: str  # "destinations" or "suppliers"
    seg: Segment
    time_key: str
    within: Period | None
    chosen: str
    found: dict[str, set[str]]
    base: ir.Table
    measure: str
    unit: str
    published: tuple[dict, ...]  # the flow index rows of rep's flow in every dataset (see common.index_rows)
    partners: tuple[str, ...] | None  # only these partners' rows are read (a group's members)

    @property
    def value_name(self) -> str:
        return f"value_{self.unit}" if self.measure == "value" else self.measure

    @property
    def parts(self) -> tuple[str, ...]:
        """Separate rankings: quantities in different units are never compared."""
        return ("quantity_unit",) if self.measure == "quantity" else ()

    @property
    def key(self) -> tuple:
        """Everything the question's expressions depend on (for :meth:`Warehouse.prepared`)."""
        return (self.chosen, self.rep, self.flow, self.seg, self.time_key, self.within, self.measure, self.unit,
                self.partners)

    def _rate_periods(self) -> tuple[tuple[str, str], ...] | None:
        """The periods whose average rate converts the value, when the unit's currency is not USD."""
        if self.measure != "value" or fl.CURRENCY[self.unit] == "USD":
            return None
        return tuple((r["period_type"], r["period"]) for r in self.periods())

    def totals(self, *, by: str | None = None) -> ir.Table:
        periods = self._rate_periods()
        return self.wh.prepared(("totals", *self.key, by, periods), lambda: rk.partner_totals(
            self.base, measure=self.measure, unit=self.unit, rates=self._rates(periods), by=by))

    def measured(self) -> ir.Table:
        """The selected rows with the measure in the requested unit as ``_measure``."""
        periods = self._rate_periods()
        return self.wh.prepared(("measured", *self.key, periods), lambda: fl.measure_column(
            self.base, measure=self.measure, unit=self.unit, rates=self._rates(periods))[0])

    def _rates(self, periods: tuple[tuple[str, str], ...] | None) -> ir.Table | None:
        return None if periods is None else rates_for(self.unit, periods)

    def periods(self) -> list[dict]:
        """The chosen dataset's published periods for the question (from the flow index)."""
        types = fl.TIME_KEYS[self.time_key]
        return [r for r in self.published if r["dataset"] == self.chosen and r["period_type"] in types
                and _inside(r, self.within)]

    def file_ids(self) -> set[int]:
        """The files behind the question's periods in the chosen dataset (from the flow index; current rows only)."""
        return {i for r in self.periods() for i in r["file_ids"]}

    def coverage(self, *, by: str | None = None) -> tuple[dict[str | None, int], int]:
        """(country partners the dataset lists per period label, over all products; the usual count)."""
        partners: dict[str | None, set[str]] = {}
        for row in self.periods():
            partners.setdefault(label_of(row, by=by) if by else None, set()).update(row["partners"])
        counts = {label: len(found - set(rk.NOT_RANKED)) for label, found in partners.items()}
        usual = self.wh.cached(("usual partners", self.rep), lambda: self.wh.con.execute(
            "SELECT max(len(list_filter(partners, p -> p NOT IN ('XXX', 'WLD')))) FROM flow_periods WHERE reporter = ?",
            [self.rep]).fetchone()[0])
        return counts, int(usual or 0)


def _side(exporter: str | None, importer: str | None) -> tuple[str, str, str]:
    if (exporter is None) == (importer is None):
        raise InputError("give exactly one of --exporter (rank its destinations) or --importer (rank its suppliers)")
    if exporter is not None:
        return countries.resolve(exporter), "export", "destinations"
    return countries.resolve(importer), "import", "suppliers"


def _check_n(n: object) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise InputError(f"--n must be a whole number of at least 1, not {n!r}")


def _query(wh: Warehouse, *, rep: str, flow: str, role: str, segment: str | Segment, time_key: str,
           within: Period | None, dataset: str | None, measure: str, unit: str,
           partners: tuple[str, ...] | None = None) -> _Query:
    if measure not in MEASURES:
        raise InputError(f"unknown measure `{measure}`; valid: {', '.join(MEASURES)}")
    if unit not in fl.DIVISORS:
        raise InputError(f"unknown unit `{unit}`; valid: {', '.join(fl.DIVISORS)}")
    seg = segment if isinstance(segment, Segment) else load_segment(segment)
    published = tuple(index_rows(wh, reporter=rep, flow=flow))  # one look at the index serves the whole question
    found: dict[str, set[str]] = {}
    for r in published:
        found.setdefault(r["dataset"], set()).add(r["period_type"])
    if within is not None and found and (dataset is None or dataset in found):
        inside = {r["dataset"] for r in published if _inside(r, within)}
        if not inside & ({dataset} if dataset else set(found)):
            spans: dict[str, list[str]] = {}
            for r in published:
                spans.setdefault(r["dataset"], []).append(r["period"])  # in period_start order
            raise InputError(f"no loaded {rep} {flow}s data within {within}{' in dataset ' + dataset if dataset else ''}"
                             "; loaded periods: " + "; ".join(f"{d} {p[0]}..{p[-1]}" for d, p in sorted(spans.items())))
        found = {d: p for d, p in found.items() if d in inside}
    chosen = choose_dataset(found, time_key=time_key, requested=dataset, what=f"{rep} {flow}s")
    base = wh.prepared(("select", chosen, rep, flow, seg, time_key, within, partners), lambda: fl.select(
        wh.table("trade_flows"), dataset=chosen, reporter=rep, flow=flow, segment=seg, partners=partners,
        period_types=fl.TIME_KEYS[time_key], within=within))
    return _Query(wh, rep, flow, role, seg, time_key, within, chosen, found, base, measure, unit, published, partners)


def _inside(row: dict, within: Period | None) -> bool:
    return within is None or (row["period_start"] >= within.start and row["period_end"] <= within.end)


def _cannot_rank_note(q: _Query, *, partners: int, usual: int, period: str, listed: list[str]) -> str:
    shown = ", ".join(listed[:8]) + (", ..." if len(listed) > 8 else "")
    side = "importer (its imports from all partners)" if q.flow == "import" else "exporter (its exports to all partners)"
    own = f"{q.rep}'s full customs statistics (all partners)"
    if q.rep == "IND" and q.flow == "export":
        own = "India's annual export tables by partner (dataset in-eidb)"
    return (f"not ranked: the loaded data cannot rank the {q.role} of {q.rep}: dataset {q.chosen} lists "
            f"{partners} partner(s) for {q.rep} {q.flow}s in {period} ({shown}); ranking needs at least "
            f"{MIN_PARTNERS}, and at least {MIN_COVERAGE:.0%} of the most any loaded dataset lists for {q.rep} in "
            f"one period ({usual}); the values below are not a ranking and give no shares. To rank, load UN "
            f"Comtrade data with {q.rep} as reporter/{side}, or {own}, and rerun (with --dataset if needed)")


def _gap_notes(q: _Query) -> list[str]:
    """Headings of the segment that vanish from one period to the next (see :func:`rk.heading_gaps`)."""
    def build() -> ir.Table:
        h = q.wh.table("flow_headings")  # the index: the same sums by heading, without scanning the flows
        preds = [h.dataset == q.chosen, h.reporter == q.rep, h.flow == q.flow, h.period_type == q.time_key,
                 q.seg.heading_predicate(h.hs4)]
        if q.within is not None:  # a gap in the period asked for compares it with earlier ones only
            preds.append(h.period_end <= q.within.end)
        return rk.heading_gaps(h.filter(preds), tolerance=COVERAGE_TOLERANCE)

    key = ("gaps", q.chosen, q.rep, q.flow, q.time_key, q.seg, q.within)
    gaps: dict[str, list[str]] = {}
    for g in q.wh.cached(key, lambda: q.wh.to_arrow(q.wh.prepared(key, build)).to_pylist()):
        if q.within is None or g["period"] == q.within.label:
            gaps.setdefault(g["period"], []).append(f"{g['hs4']} (US$ {g['previous_value'] / 1e6:,.2f} mn in {g['previous']})")
    return [f"{period}: {q.chosen} has no {q.rep} {q.flow}s under heading(s) {', '.join(named)}: a change of "
            "nomenclature (HS2022 renumbered parts of 3002, 3006, 3822) or a gap in this dataset; compare with "
            "another dataset (--dataset)" for period, named in gaps.items()]


def _notes(q: _Query) -> list[str]:
    notes = []
    if others := sorted(set(q.found) - {q.chosen}):
        notes.append(f"answered from dataset {q.chosen}; also loaded for {q.rep} {q.flow}s: {', '.join(others)} "
                     "(datasets are never summed; choose with --dataset)")
    if q.time_key not in q.found.get(q.chosen, set()) and q.time_key != "month":
        periods = complete_periods(q.wh, dataset=q.chosen, rep=q.rep, flow=q.flow, partners=None, time_key=q.time_key)
        short = {p: n for p, n in periods.items() if n < 12 and (q.within is None or p == q.within.label)}
        if short:
            notes.append("incomplete periods (rolled up from monthly data): "
                         + ", ".join(f"{p} ({n} of 12 months)" for p, n in sorted(short.items())[:6]))
    if q.measure == "value" and fl.CURRENCY[q.unit] != "USD":
        notes.append(f"{fl.CURRENCY[q.unit]} values are the source's published figures where it publishes that "
                     "currency (India's tables publish INR), else USD converted at the period's average rate")
    if q.measure == "quantity":
        notes.append("quantities are ranked separately per quantity_unit; rows without a quantity are not counted")
    return notes + _gap_notes(q)


def _name(code: str) -> str:
    try:
        return countries.name(code)
    except MedtradeError:
        return code


def _round(row: dict) -> dict:
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in row.items()}


def _definition(q: _Query) -> dict:
    return {
        "segment": q.seg.definition(),
        "dataset": f"{q.chosen}: {DATASET_NAMES.get(q.chosen, q.chosen)}",
        "reporter": q.rep,
        "flow": q.flow,
        "partners": f"{q.role} of {q.rep}: every partner in {q.rep}'s {q.flow} statistics",
        "measure": q.measure,
        "unit": q.unit if q.measure == "value" else "as published per quantity_unit",
        "period": str(q.within) if q.within else f"all loaded periods, by {q.time_key}",
        "share": "partner value / total of ALL partners, unspecified (XXX) included, computed before any cut",
        "ranking_rule": f"ranked only when the dataset lists >= {MIN_PARTNERS} country partners for the reporter "
                        f"and flow in the period and >= {MIN_COVERAGE:.0%} of the reporter's usual count",
    }


def run_top(wh: Warehouse, /, *, exporter: str | None = None, importer: str | None = None,
            segment: str | Segment = "pharma", period: str, n: int = 10, measure: str = "value",
            unit: str = "usd_mn", dataset: str | None = None) -> Result:
    """The top ``n`` destinations of an exporter, or suppliers of an importer, in one period.

    ``exporter``: its destinations from its own export statistics; ``importer``: its
    suppliers from its import statistics (reporter = importer, flow import). Exactly one.
    Shares are of the total of all partners; when the loaded data cannot rank (see the
    module docstring) the rows carry no rank or share and ``notes`` say why.

    Examples
    --------
    >>> run_top(wh, exporter="IND", segment="medical_devices", period="FY2022-23", n=4).rows  # doctest: +SKIP
    """
    rep, flow, role = _side(exporter, importer)
    _check_n(n)
    within = parse_period(period)
    q = _query(wh, rep=rep, flow=flow, role=role, segment=segment, time_key=within.type, within=within,
               dataset=dataset, measure=measure, unit=unit)
    counts, usual = q.coverage()
    # One scan: every partner ranked; the top n are the first n positions.
    every = wh.to_arrow(wh.prepared(("ranking", *q.key), lambda: rk.ranking(q.totals(), within=q.parts))).to_pylist()
    listed = sorted((r for r in every if r["partner"] not in rk.NOT_RANKED),
                    key=lambda r: (str(r.get("quantity_unit")), -round(r["value"], 6), r["partner"]))
    notes = _notes(q)
    if can_rank(counts.get(None, 0), usual):
        rows = [_top_row(r, q) for r in listed if r["position"] <= n]
        for r in (r for r in every if r["partner"] == countries.UNSPECIFIED):
            total = sum(x["value"] for x in every if x.get("quantity_unit") == r.get("quantity_unit"))
            notes.append(f"partner XXX (unspecified) is not ranked but counts in the total: {r['value']:,.2f} of "
                         f"{total:,.2f} {r.get('quantity_unit') or q.value_name} ({r['value'] / total:.2%})")
        notes.append("XXX (unspecified) and WLD (world totals) are never ranked; shares are of all partners' total")
        if len(listed) > n:
            notes.append(f"{len(listed)} partners in all; showing the top {n} (--n to change)")
    else:
        rows = [_top_row({**r, "rank": None, "share": None, "cumulative_share": None}, q) for r in listed]
        notes.insert(0, _cannot_rank_note(q, partners=counts.get(None, 0), usual=usual, period=within.label,
                                          listed=[r["partner"] for r in listed]))
    if not every:
        notes.append(f"no {rep} {flow}s of segment {q.seg.name} in {within} in dataset {q.chosen}")
    return Result(
        title=f"Top {n} {role} of {rep}: {q.seg.name}, {within}",
        query={"verb": "top", "exporter": exporter, "importer": importer, "segment": q.seg.name, "period": period,
               "n": n, "measure": measure, "unit": unit, "dataset": dataset},
        definition={**_definition(q), "rank": "competition rank, largest first (equal values share a rank); "
                                              "exactly n rows, ties at the cut broken by partner code"},
        rows=rows, sources=sources_by_id(wh, q.file_ids()), notes=notes,
    )


def _top_row(r: dict, q: _Query) -> dict:
    row = {"quantity_unit": r.get("quantity_unit")} if q.parts else {}
    row |= {"rank": r["rank"], "partner": r["partner"], "partner_name": _name(r["partner"]), q.value_name: r["value"],
            "share": r["share"], "cumulative_share": r["cumulative_share"]}
    return _round(row)


def _group(of_group: str, within: Period, partner: str) -> tuple[str, frozenset[str], frozenset[str]]:
    key = str(of_group).strip().upper()
    if key not in countries.groups():
        raise InputError(f"unknown group `{of_group}`; valid: {', '.join(countries.groups())}")
    members = countries.members_on_period_end(key, start=within.start, end=within.end)
    if partner not in members:
        raise InputError(f"{partner} is not a member of {key} on {within.end} (end of {within}); "
                         f"members then: {', '.join(sorted(members))}")
    return key, members, countries.members_during(key, start=within.start, end=within.end)


def run_share(wh: Warehouse, /, *, exporter: str, partner: str, of_group: str | None = None,
              segment: str | Segment = "pharma", period: str, measure: str = "value", unit: str = "usd_mn",
              dataset: str | None = None) -> Result:
    """Share of ``partner`` in the exporter's exports to all partners, or to a group's members.

    Group membership is taken on the period's last day for the whole period
    (:func:`~medtrade.catalog.countries.members_on_period_end`): a country that left
    during the period is out for all of it. The member list is in the definition.

    Examples
    --------
    >>> run_share(wh, exporter="IND", partner="RUS", of_group="CIS", segment="pharma",
    ...           period="FY2021-22").rows[0]["share"]                            # doctest: +SKIP
    """
    rep, par = countries.resolve(exporter), countries.resolve(partner)
    within = parse_period(period)
    key, members, during = _group(of_group, within, par) if of_group else (None, None, None)
    question = dict(rep=rep, flow="export", role="destinations", segment=segment, time_key=within.type,
                    within=within, dataset=dataset, measure=measure, unit=unit)
    # With a group only its members' rows are read.
    q = _query(wh, **question, partners=tuple(sorted(members)) if members is not None else None)
    counts, usual = q.coverage()
    # One pass over the rows (share_of accepts rows as well as partner totals).
    out = wh.to_arrow(wh.prepared(("share", *q.key, par, members), lambda: share_of(
        q.measured(), partner=par, members=members, value="_measure", within=q.parts))).to_pylist()
    notes, ok = _notes(q), can_rank(counts.get(None, 0), usual)
    traded = {p for r in out for p in r["partners_traded"]}
    if not ok:
        if members is not None:  # the note lists every partner the data has, not only the group's
            every = _query(wh, **question).totals()
            traded = set(every.filter(every.value > 0).partner.to_pyarrow().to_pylist())
        note = _cannot_rank_note(q, partners=counts.get(None, 0), usual=usual, period=within.label,
                                 listed=sorted(traded - set(rk.NOT_RANKED)))
        notes.insert(0, note.replace("the values below are not a ranking and give no shares", "no share is computed"))
    rows = [_round({
        "period": within.label, **({"quantity_unit": r["quantity_unit"]} if q.parts else {}),
        "partner": par, "partner_name": _name(par), "of": key or f"all {rep} export partners",
        q.value_name: r["partner_value"], f"total_{q.value_name}": r["total"] if ok else None,
        "share": r["share"] if ok else None, "partners_with_trade": r["partners_with_trade"] if ok else None,
    }) for r in out]
    definition = _definition(q)
    definition["share"] = f"{par}'s value / sum over " + (
        f"the {key} members below" if key else "ALL partners, unspecified (XXX) included")
    if key:
        definition["group"] = {"name": key, "members": sorted(members),
                               "membership": f"members on {within.end}, the period's last day, for the whole period"}
        if during - members:
            notes.append(f"member of {key} during part of {within} but not on its last day, not counted: "
                         f"{', '.join(sorted(during - members))}")
        if ok and members - traded:
            notes.append(f"{key} members without {rep} exports of {q.seg.name} in {within}: "
                         f"{', '.join(sorted(members - traded))}")
    return Result(
        title=f"{par}'s share of {rep}'s {q.seg.name} exports to {key or 'the world'}, {within}",
        query={"verb": "share", "exporter": exporter, "partner": partner, "of_group": of_group,
               "segment": q.seg.name, "period": period, "measure": measure, "unit": unit, "dataset": dataset},
        definition=definition, rows=rows, sources=sources_by_id(wh, q.file_ids()),
        notes=notes,
    )


def run_concentration(wh: Warehouse, /, *, exporter: str | None = None, importer: str | None = None,
                      segment: str | Segment = "pharma", by: str = "fy", n: int = 5, measure: str = "value",
                      unit: str = "usd_mn", dataset: str | None = None, period: str | None = None) -> Result:
    """Concentration of an exporter's destinations or an importer's suppliers, per period.

    Per period (``by``: fy, year or month): the total, the number of partners, the
    top-``n`` share and the Herfindahl-Hirschman index (sum of squared shares, on
    0-10,000 and 0-1; see :func:`medtrade.analysis.rankings.concentration`). ``period``
    keeps one period. Periods the loaded data cannot rank get no shares or index.
    """
    rep, flow, role = _side(exporter, importer)
    if by not in fl.TIME_KEYS:
        raise InputError(f"unknown --by `{by}`; valid: {', '.join(fl.TIME_KEYS)}")
    _check_n(n)
    within = parse_period(period) if period else None
    q = _query(wh, rep=rep, flow=flow, role=role, segment=segment, time_key=by, within=within,
               dataset=dataset, measure=measure, unit=unit)
    counts, usual = q.coverage(by=by)
    out = wh.to_arrow(wh.prepared(("concentration", *q.key, by, n), lambda: rk.concentration(
        q.totals(by=by), n=n, within=(by, *q.parts)))).to_pylist()
    metrics = ("partners", f"top{n}_share", "hhi", "hhi_01", "unspecified_share")
    rows, refused = [], []
    for r in out:
        row = {by: r[by], **({"quantity_unit": r["quantity_unit"]} if q.parts else {}),
               f"total_{q.value_name}": r["total"], **{m: r[m] for m in metrics}}
        if not can_rank(counts.get(r[by], 0), usual):
            row |= dict.fromkeys(metrics)
            refused.append(f"{r[by]} ({counts.get(r[by], 0)} partners)")
        rows.append(_round(row))
    notes = _notes(q)
    if refused:
        notes.insert(0, f"no concentration for periods whose {q.chosen} data list too few {role} of {rep} "
                        f"(rule: >= {MIN_PARTNERS} and >= {MIN_COVERAGE:.0%} of the usual {usual}): "
                        + ", ".join(refused[:6]) + f"; load statistics with all partners (UN Comtrade with {rep} "
                        f"as reporter, or {rep}'s full customs data)")
    notes.append("shares are of all partners' total, unspecified (XXX) included; XXX adds no square to the HHI "
                 "(it is not one partner), so with a large unspecified_share the HHI is a lower bound")
    definition = _definition(q) | {
        "hhi": "sum over country partners of share^2: hhi on 0-10,000, hhi_01 on 0-1",
        f"top{n}_share": f"share of the {n} largest partners in the total",
        "partners (column)": "country partners with a positive value (XXX and WLD excluded)"}
    return Result(
        title=f"Concentration of {rep}'s {q.seg.name} {role} by {by}",
        query={"verb": "concentration", "exporter": exporter, "importer": importer, "segment": q.seg.name,
               "by": by, "n": n, "measure": measure, "unit": unit, "dataset": dataset, "period": period},
        definition=definition, rows=rows, sources=sources_by_id(wh, q.file_ids()),
        notes=notes,
    )
