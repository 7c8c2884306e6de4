"""`potential`: India -> Russia untapped export potential, recomputed from the raw EIDB file with pandas.

The expected ranking is the method of ``docs/potential.md`` written again here, on the
published CSV (partner names as published, values in US$ mn), never with medtrade code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from medtrade.errors import InputError
from medtrade.verbs.potential import run_potential
from medtrade.warehouse.store import Warehouse

#: Russia's default peers (the other CIS and EAEU members), as spelt in the EIDB file.
PEERS = ["ARMENIA", "AZERBAIJAN", "BELARUS", "KAZAKHSTAN", "KYRGHYZSTAN", "MOLDOVA", "TAJIKISTAN",
         "TURKMENISTAN", "UZBEKISTAN"]
SEGMENTS = {"medical_devices": ("9018", "9019", "9020", "9021", "9022", "3005", "3006", "3822", "4015", "9402"),
            "medicaments": ("3003", "3004")}


def expected_ranking(raw: pd.DataFrame, prefixes: tuple[str, ...], fy: str, base_fy: str) -> pd.DataFrame:
    """The documented method, on the raw file."""
    seg = raw[raw.hs8.str.startswith(prefixes)].assign(hs6=lambda d: d.hs8.str[:6])
    cur = seg[seg.fy == fy]
    by = cur.groupby(["hs6", "partner"]).value_usd_mn.sum().unstack(fill_value=0.0)
    x = by.sum(axis=1)
    years = int(fy[:4]) - int(base_fy[:4])
    base = seg[seg.fy == base_fy].groupby("hs6").value_usd_mn.sum().reindex(x.index)
    growth = np.where(base > 0, 100 * ((x / base) ** (1 / years) - 1), np.nan)
    a = by["RUSSIA"]
    peers = by[[p for p in PEERS if p in by.columns and by[p].sum() > 0]]
    e = (peers / peers.sum()).median(axis=1) * a.sum()
    out = pd.DataFrame({"world_value": x, "growth_pct": growth, "spec_share_pct": 100 * x / x.sum(),
                        "target_value": a, "expected": e, "untapped": (e - a).clip(lower=0)})
    out["ratio"] = out.target_value / out.expected.replace(0, np.nan)
    out = out.reset_index().sort_values(["untapped", "world_value", "hs6"], ascending=[False, False, True])
    return out.reset_index(drop=True)


@pytest.mark.parametrize("segment", list(SEGMENTS))
def test_india_russia_ranking_matches_pandas(loaded_warehouse: Path, india_raw: pd.DataFrame, segment: str) -> None:
    with Warehouse(loaded_warehouse, read_only=True) as wh:
        result = run_potential(wh, exporter="IND", target="RUS", segment=segment, period="FY2023-24", n=1000)
    exp = expected_ranking(india_raw, SEGMENTS[segment], "2023-24", "2017-18")
    assert result.definition["peers"] == ["ARM", "AZE", "BLR", "KAZ", "KGZ", "MDA", "TJK", "TKM", "UZB"]
    assert result.definition["growth_base"] == "FY2017-18"
    assert len(result.rows) == len(exp)
    top = exp[exp.untapped > 1e-9]
    assert len(top) >= 2
    # Every product with potential, in order, with its numbers.
    for got, (_, want) in zip(result.rows, top.iterrows(), strict=False):
        assert got["hs6"] == want.hs6
        for col in ("world_value", "spec_share_pct", "target_value", "expected", "untapped"):
            assert got[col] == pytest.approx(want[col], abs=1e-5), (want.hs6, col)
        assert got["growth_pct"] == pytest.approx(want.growth_pct, abs=1e-4, nan_ok=True)
        assert got["ratio"] == pytest.approx(want.ratio, abs=1e-5)
    rows = {r["hs6"]: r for r in result.rows}
    for _, want in exp.iterrows():
        assert rows[want.hs6]["untapped"] == pytest.approx(want.untapped, abs=1e-5)
    # Sum checks: U >= 0, X sums to the segment total, A to exports to Russia, shares to 100 %.
    assert all(r["untapped"] >= 0 for r in result.rows)
    assert all(r["untapped"] == pytest.approx(max(r["expected"] - r["target_value"], 0), abs=1e-5) for r in result.rows)
    seg = india_raw[india_raw.hs8.str.startswith(SEGMENTS[segment]) & (india_raw.fy == "2023-24")]
    assert sum(r["world_value"] for r in result.rows) == pytest.approx(seg.value_usd_mn.sum(), abs=1e-4)
    to_rus = seg[seg.partner == "RUSSIA"].value_usd_mn.sum()
    assert sum(r["target_value"] for r in result.rows) == pytest.approx(to_rus, abs=1e-4)
    assert sum(r["spec_share_pct"] for r in result.rows) == pytest.approx(100, abs=1e-4)
    assert any("not Balassa" in n for n in result.notes)
    assert any("no demand side" in n for n in result.notes)


def test_top_n_and_explicit_peers(loaded_warehouse: Path, india_raw: pd.DataFrame) -> None:
    with Warehouse(loaded_warehouse, read_only=True) as wh:
        result = run_potential(wh, exporter="IND", target="RUS", segment="medicaments", period="FY2022-23",
                               n=3, peers="KAZ,BLR,UZB")
    raw = india_raw[india_raw.hs8.str.startswith(("3003", "3004")) & (india_raw.fy == "2022-23")]
    by = raw.groupby([raw.hs8.str[:6], "partner"]).value_usd_mn.sum().unstack(fill_value=0.0)
    peers = by[["KAZAKHSTAN", "BELARUS", "UZBEKISTAN"]]
    e = (peers / peers.sum()).median(axis=1) * by["RUSSIA"].sum()
    u = (e - by["RUSSIA"]).clip(lower=0)
    want = pd.DataFrame({"u": u, "x": by.sum(axis=1)}).reset_index()
    want = want.sort_values(["u", "x", "hs8"], ascending=[False, False, True]).head(3)
    assert [r["hs6"] for r in result.rows] == want.hs8.tolist()
    assert [r["untapped"] for r in result.rows] == pytest.approx(want.u.tolist(), abs=1e-5)
    assert [r["rank"] for r in result.rows] == [1, 2, 3]


def test_bad_input_is_one_clear_error(loaded_warehouse: Path) -> None:
    with Warehouse(loaded_warehouse, read_only=True) as wh:
        with pytest.raises(InputError, match="level"):
            run_potential(wh, exporter="IND", target="RUS", segment="medicaments", period="FY2023-24", level="hs5")
        with pytest.raises(InputError, match="--peers"):
            run_potential(wh, exporter="IND", target="USA", segment="medicaments", period="FY2023-24")
        with pytest.raises(InputError, match="FY2017-18"):
            run_potential(wh, exporter="IND", target="RUS", segment="medicaments", period="FY2010-11")
