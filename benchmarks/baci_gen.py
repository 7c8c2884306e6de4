"""A deterministic generator of BACI-shaped trade data: exporter x importer x HS6 x year, sparse, heavy-tailed.

Shape: 200 exporters x 200 importers (the same 200 real ISO3 codes, IND and RUS among
them), 5,000 real HS2022 subheadings (every one of chapters 29, 30 and 90 plus a fixed
sample of the rest), five years (2019-2023). Whether a cell trades is drawn with a
probability proportional to the exporter's, the importer's and the product's Zipf weights
(capped at 1), so big economies trade most products with each other and the long tail is
sparse, as in BACI; values are Pareto (alpha 1.2) scaled by the same weights, so a few
flows carry most of the value. The probability scale is solved so the expected row count
is the requested one.

Rows come out in BACI's own order (year, exporter, importer, product), as a loaded BACI
release would sit in the warehouse. The same ``rows`` and ``seed`` give the same data on
any machine (numpy's PCG64 stream of uniforms is stable across versions).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

YEARS = (2019, 2020, 2021, 2022, 2023)
N_COUNTRIES, N_PRODUCTS = 200, 5_000
ZIPF_COUNTRY, ZIPF_PRODUCT, PARETO_ALPHA = 0.9, 0.7, 1.2


@dataclass(frozen=True)
class Universe:
    """The codes and weights the data is drawn from."""

    countries: list[str]
    products: list[str]
    w_country: np.ndarray
    w_product: np.ndarray


def universe(seed: int = 2026) -> Universe:
    """200 real ISO3 codes and 5,000 real HS6 codes, with their (shuffled, seeded) Zipf weights."""
    import pycountry

    from medtrade.catalog.hs import hs2022_codes

    rng = np.random.Generator(np.random.PCG64(seed))
    codes = sorted(c.alpha_3 for c in pycountry.countries)
    keep = {"IND", "RUS", "CHN", "USA", "DEU", "KAZ", "BLR", "UZB", "KGZ", "ARM", "AZE", "TJK", "MDA", "TKM", "NLD"}
    others = [c for c in codes if c not in keep]
    countries = sorted(keep | set(rng.choice(others, N_COUNTRIES - len(keep), replace=False).tolist()))
    hs6 = sorted(hs2022_codes(6))
    core = [c for c in hs6 if c[:2] in ("29", "30", "90")]
    rest = [c for c in hs6 if c[:2] not in ("29", "30", "90")]
    products = sorted(core + rng.choice(rest, N_PRODUCTS - len(core), replace=False).tolist())
    # Ranks are shuffled, so alphabetical order says nothing about size; IND is made the largest exporter (its questions are the heaviest).
    rank_c = rng.permutation(N_COUNTRIES)
    rank_c[[countries.index("IND"), int(np.argmin(rank_c))]] = rank_c[[int(np.argmin(rank_c)), countries.index("IND")]]
    w_country = (rank_c + 1.0) ** -ZIPF_COUNTRY
    w_product = (rng.permutation(N_PRODUCTS) + 1.0) ** -ZIPF_PRODUCT
    return Universe(countries, products, w_country / w_country.max(), w_product / w_product.max())


def _expected_rows(scale: float, u: Universe) -> float:
    """Expected row count for a probability scale: sum over cells of min(1, scale * we * wi * wp)."""
    wp = np.sort(u.w_product)
    cum = np.concatenate([[0.0], np.cumsum(wp)])
    pair = np.outer(u.w_country, u.w_country)
    np.fill_diagonal(pair, 0.0)
    x = scale * pair.ravel()
    x = x[x > 0]
    # cells with x * wp >= 1 are certain; the rest contribute x * wp
    first_certain = np.searchsorted(wp, 1.0 / x, side="left")
    total = x * cum[first_certain] + (len(wp) - first_certain)
    return float(total.sum()) * len(YEARS)


def solve_scale(rows: int, u: Universe) -> float:
    """The probability scale whose expected row count is *rows* (bisection on a monotone function)."""
    lo, hi = 1e-6, 1e9
    for _ in range(200):
        mid = (lo * hi) ** 0.5
        if _expected_rows(mid, u) < rows:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1 + 1e-9:
            break
    return hi


def batches(rows: int, seed: int = 2026) -> Iterator[pa.RecordBatch]:
    """The data as Arrow batches (one per year and exporter): year, exporter, importer, hs6, value_usd, quantity."""
    u = universe(seed)
    scale = solve_scale(rows, u)
    rng = np.random.Generator(np.random.PCG64(seed + 1))
    countries = pa.array(u.countries)
    products = pa.array(u.products)
    importer_idx = np.repeat(np.arange(N_COUNTRIES, dtype=np.int16), N_PRODUCTS)
    product_idx = np.tile(np.arange(N_PRODUCTS, dtype=np.int16), N_COUNTRIES)
    wiwp = np.outer(u.w_country, u.w_product).ravel()
    unit_price = 10.0 ** (1 + 3 * rng.random(N_PRODUCTS))  # USD per unit, fixed per product
    for year in YEARS:
        for e in range(N_COUNTRIES):
            p = np.minimum(1.0, scale * u.w_country[e] * wiwp)
            p[e * N_PRODUCTS:(e + 1) * N_PRODUCTS] = 0.0  # no trade with itself
            draw = rng.random(p.size)
            keep = np.flatnonzero(draw < p)
            if not keep.size:
                continue
            imp, prod = importer_idx[keep], product_idx[keep]
            size = u.w_country[e] * u.w_country[imp] * u.w_product[prod]
            pareto = (1.0 - rng.random(keep.size)) ** (-1.0 / PARETO_ALPHA)
            value = np.round(1_000.0 * pareto * (1.0 + 1e4 * size), 3)
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array(np.full(keep.size, year, dtype=np.int16)),
                    pa.DictionaryArray.from_arrays(pa.array(np.full(keep.size, e, dtype=np.int16)), countries),
                    pa.DictionaryArray.from_arrays(pa.array(imp), countries),
                    pa.DictionaryArray.from_arrays(pa.array(prod), products),
                    pa.array(value),
                    pa.array(np.round(value / unit_price[prod], 3)),
                ],
                names=["year", "exporter", "importer", "hs6", "value_usd", "quantity"],
            )


def write_warehouse(path: str, rows: int, seed: int = 2026) -> int:
    """Create a medtrade warehouse at *path* holding the generated data as dataset ``baci``.

    The rows go straight into ``trade_flows`` in the canonical columns a BACI load writes
    (the loader itself is benchmarked separately, on the real files), with one
    ``source_files`` record naming the generator. Returns the row count.
    """
    from medtrade.warehouse import index
    from medtrade.warehouse.store import Warehouse

    with Warehouse(path) as wh:
        con = wh.con
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "INSERT INTO source_files VALUES (1, 'generated', ?, ?, 0, 'baci-synthetic', ['baci'], NULL, 0, 0, 0, 0,"
            " 0, now()::TIMESTAMP, 'bench', ['synthetic BACI-shaped data, benchmarks/baci_gen.py'])",
            [f"baci_gen rows={rows} seed={seed}", f"baci_gen-{rows}-{seed}"],
        )
        n = 0
        for batch in batches(rows, seed):
            con.register("_gen", pa.Table.from_batches([batch]))
            con.execute("""
                INSERT INTO trade_flows SELECT
                    1, 'baci', 'year', CAST(year AS VARCHAR), make_date(year, 1, 1), make_date(year, 12, 31),
                    CAST(exporter AS VARCHAR), CAST(importer AS VARCHAR), CAST(importer AS VARCHAR), 'export',
                    CAST(hs6 AS VARCHAR), 'HS', false, value_usd, NULL, NULL, quantity, 't', NULL, NULL
                FROM _gen""")
            con.unregister("_gen")
            n += batch.num_rows
        con.execute("UPDATE source_files SET rows_read = ?, rows_loaded = ? WHERE file_id = 1", [n, n])
        index.refresh(con, 1)  # as a load does: the verbs ask the flow index what is loaded
        con.execute("COMMIT")
    return n


def table(rows: int, seed: int = 2026) -> pa.Table:
    """The generated data as one Arrow table (dictionary-encoded codes), for the in-memory peers."""
    return pa.Table.from_batches(list(batches(rows, seed)))
