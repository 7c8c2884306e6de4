"""What every verb needs: dataset choice, provenance, rates for unit conversion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import ibis
import ibis.expr.types as ir

from medtrade._typing import DATASETS
from medtrade.analysis.flows import CURRENCY, TIME_KEYS
from medtrade.catalog import currency
from medtrade.catalog.periods import Period, fy_label_of, parse_period
from medtrade.errors import InputError
from medtrade.warehouse.store import Warehouse

DATASET_NAMES = {
    "in-eidb": "India's annual export tables (DGCI&S Export-Import Data Bank, fiscal years, ITC-HS8)",
    "in-monthly": "India's monthly trade statistics (DGCI&S MEIDB, HS6)",
    "ru-fts": "Russian customs statistics (FTS open data, TN VED 10-digit)",
    "comtrade": "UN Comtrade",
    "baci": "CEPII BACI (reconciled Comtrade)",
}


def index_rows(wh: Warehouse, /, *, reporter: str, flow: str, dataset: str | None = None,
               partners: Sequence[str] | None = None, period_types: Sequence[str] | None = None,
               within: Period | None = None) -> list[dict]:
    """Published periods of a reporter's flow from the flow index (:mod:`medtrade.warehouse.index`).

    Each row: dataset, period_type, period, period_start, period_end, rows, partners
    (sorted, ``XXX``/``WLD`` included), file_ids. ``partners`` keeps periods where any of
    them appears; ``within`` keeps periods lying inside it, as :func:`analysis.flows.select` does.
    """
    key = ("index_rows", reporter, flow, dataset, tuple(partners or ()), tuple(period_types or ()), within)
    return list(wh.cached(key, lambda: _index_rows(wh, reporter, flow, dataset, partners, period_types, within)))


def _index_rows(wh: Warehouse, reporter: str, flow: str, dataset: str | None, partners: Sequence[str] | None,
                period_types: Sequence[str] | None, within: Period | None) -> list[dict]:
    sql = ("SELECT dataset::VARCHAR AS dataset, period_type::VARCHAR AS period_type, period, period_start, period_end,"
           ' "rows", partners, file_ids FROM flow_periods WHERE reporter = ? AND flow = ?')
    params: list[object] = [reporter, flow]
    if dataset is not None:
        sql += " AND dataset = ?"
        params.append(dataset)
    if partners:
        sql += " AND list_has_any(partners, ?)"
        params.append(list(partners))
    if period_types:
        sql += " AND list_contains(?, period_type::VARCHAR)"
        params.append(list(period_types))
    if within is not None:
        sql += " AND period_start >= ? AND period_end <= ?"
        params += [within.start, within.end]
    cur = wh.con.execute(sql + " ORDER BY dataset, period_start, period_type", params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def label_of(row: dict, /, *, by: str) -> str:
    """The label of an index row's period rolled up to ``by`` (as :func:`analysis.flows.period_label`)."""
    if by == "month" or row["period_type"] == by:
        return row["period"]
    if by == "fy":
        return fy_label_of(row["period_start"])
    return str(row["period_start"].year)


def available(wh: Warehouse, /, *, reporter: str, flow: str, partners: Sequence[str] | None) -> dict[str, set[str]]:
    """Datasets holding current rows for reporter/flow (and partners), with their period types."""
    found: dict[str, set[str]] = {}
    for row in index_rows(wh, reporter=reporter, flow=flow, partners=partners):
        found.setdefault(row["dataset"], set()).add(row["period_type"])
    return found


def choose_dataset(
    found: dict[str, set[str]], /, *, time_key: str | None, requested: str | None, what: str
) -> str:
    """The dataset to answer from: the requested one, else the first in priority order that fits.

    Priority (documented default): in-eidb, in-monthly, ru-fts, comtrade, baci: a
    reporter's own detailed publication before international compilations.
    """
    need = set(TIME_KEYS[time_key]) if time_key else None
    if requested:
        if requested not in DATASETS:
            raise InputError(f"unknown dataset `{requested}`; valid: {', '.join(DATASETS)}")
        if requested not in found:
            have = ", ".join(sorted(found)) or "none"
            raise InputError(f"dataset `{requested}` has no rows for {what}; loaded datasets with rows: {have}")
        if need and not (found[requested] & need):
            raise InputError(
                f"dataset `{requested}` publishes {'/'.join(sorted(found[requested]))} periods and cannot be "
                f"grouped by {time_key}; choose another --by or --dataset"
            )
        return requested
    for dataset in DATASETS:
        if dataset in found and (need is None or found[dataset] & need):
            return dataset
    if found:
        raise InputError(
            f"no loaded dataset can group {what} by {time_key}: "
            + "; ".join(f"{d} has {'/'.join(sorted(p))} periods" for d, p in found.items())
        )
    raise InputError(f"no loaded data for {what}: load files with `medtrade load PATH` (or run `medtrade demo`)")


def rates_for(unit: str, periods: Sequence[tuple[str, str]], /) -> ir.Table | None:
    """Average rates for the unit's currency over the periods needed, as an Ibis memtable.

    Raises :class:`RateNotAvailableError` (one line, with the fix) when a period lacks rates.
    """
    ccy = CURRENCY.get(unit, "USD")
    if ccy == "USD":
        return None
    rows = []
    for period_type, label in sorted(set(periods)):
        rows.append({"currency": ccy, "period_type": period_type, "period": label,
                     "per_usd": currency.average_rate(ccy, parse_period(label))})
    return ibis.memtable(rows, schema={"currency": "string", "period_type": "string", "period": "string", "per_usd": "float64"})


def sources_of(wh: Warehouse, expr: ir.Table, /) -> list[dict]:
    """The files behind a selection: name, sha256, format, dataset, release."""
    return sources_by_id(wh, expr.select("file_id").distinct().to_pyarrow().column(0).to_pylist())


def sources_by_id(wh: Warehouse, ids: Iterable[int], /) -> list[dict]:
    """The files with these ids: name, sha256, format, dataset, release."""
    ids = tuple(sorted(set(ids)))
    if not ids:
        return []
    return [dict(r) for r in wh.cached(("sources", ids), lambda: _sources(wh, list(ids)))]


def _sources(wh: Warehouse, ids: list[int]) -> list[dict]:
    rows = wh.con.execute(
        "SELECT file_id, name, sha256, format, datasets, release FROM source_files"
        " WHERE list_contains(?, file_id) ORDER BY file_id",
        [ids],
    ).fetchall()
    return [
        {"file_id": f, "name": n, "sha256": s, "format": fmt, "dataset": ", ".join(d), "release": rel}
        for f, n, s, fmt, d, rel in rows
    ]
