"""What every verb needs: dataset choice, provenance, rates for unit conversion."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from medtrade._typing import DATASETS
from medtrade.analysis.flows import CURRENCY, TIME_KEYS
from medtrade.catalog import currency
from medtrade.catalog.periods import parse_period
from medtrade.errors import InputError
from medtrade.warehouse.store import Warehouse

DATASET_NAMES = {
    "in-eidb": "India's annual export tables (DGCI&S Export-Import Data Bank, fiscal years, ITC-HS8)",
    "in-monthly": "India's monthly trade statistics (DGCI&S MEIDB, HS6)",
    "ru-fts": "Russian customs statistics (FTS open data, TN VED 10-digit)",
    "comtrade": "UN Comtrade",
    "baci": "CEPII BACI (reconciled Comtrade)",
}


def available(wh: Warehouse, /, *, reporter: str, flow: str, partners: Sequence[str] | None) -> dict[str, set[str]]:
    """Datasets holding current rows for reporter/flow (and partners), with their period types."""
    sql = (
        "SELECT dataset, list(DISTINCT period_type) FROM trade_flows"
        " WHERE reporter = ? AND flow = ? AND superseded_by IS NULL"
    )
    params: list[object] = [reporter, flow]
    if partners:
        sql += " AND list_contains(?, partner)"
        params.append(list(partners))
    rows = wh.con.execute(sql + " GROUP BY dataset", params).fetchall()
    return {dataset: set(types) for dataset, types in rows}


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
    ids = [r for r in expr.select("file_id").distinct().to_pyarrow().column(0).to_pylist()]
    if not ids:
        return []
    rows = wh.con.execute(
        "SELECT file_id, name, sha256, format, datasets, release FROM source_files"
        " WHERE list_contains(?, file_id) ORDER BY file_id",
        [ids],
    ).fetchall()
    return [
        {"file_id": f, "name": n, "sha256": s, "format": fmt, "dataset": ", ".join(d), "release": rel}
        for f, n, s, fmt, d, rel in rows
    ]
