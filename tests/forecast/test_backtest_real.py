"""Backtests on the real India -> Russia data: the series are right, the chosen methods and intervals hold up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

CHAPTERS = ("29", "30", "90")


def _expected_annual(india_raw: pd.DataFrame) -> dict[str, list[float]]:
    """HS4 -> values FY2017-18..FY2023-24 for India -> Russia, from the raw file with plain pandas."""
    ru = india_raw[(india_raw["partner"] == "RUSSIA") & india_raw["hs8"].str[:2].isin(CHAPTERS)].copy()
    ru["hs4"] = ru["hs8"].str[:4]
    wide = ru.pivot_table(index="hs4", columns="fy_start_year", values="value_usd_mn", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=range(2017, 2024), fill_value=0.0)
    keep = wide[(wide != 0).sum(axis=1) >= 5]
    return {hs4: row.tolist() for hs4, row in keep.iterrows()}


def test_annual_series_match_the_raw_file(annual_backtest, india_raw):
    series, _ = annual_backtest
    expected = _expected_annual(india_raw)
    got = {s.keys["hs4"]: s for s in series}
    assert set(got) == set(expected)
    for hs4, values in expected.items():
        start = next(i for i, v in enumerate(values) if v != 0)
        assert np.allclose(got[hs4].y, values[start:], atol=1e-6), hs4
        assert got[hs4].labels[-1] == "FY2023-24"


def _india_monthly(monthly_raw: pd.DataFrame) -> pd.DataFrame:
    """India's monthly exports to Russia (the file's MIRROR rows) in chapters 29/30/90, with hs4 and fiscal year."""
    m = monthly_raw[(monthly_raw["source"] == "MIRROR") & (monthly_raw["napr_ru"] == "ИМ")
                    & monthly_raw["hs_code"].str[:2].isin(CHAPTERS)].copy()
    m["hs4"] = m["hs_code"].str[:4]
    y, mo = m["period"].str[:4].astype(int), m["period"].str[5:7].astype(int)
    m["fy"] = np.where(mo >= 4, y, y - 1)
    return m


def test_annual_long_series_are_fiscal_year_sums_of_the_raw_months(annual_long_backtest, monthly_raw):
    series, _ = annual_long_backtest
    m = _india_monthly(monthly_raw)
    m = m[m["fy"].between(2010, 2023)]  # FY2009-10 has 3 months in the file (Jan-Mar 2010): left out
    wide = m.pivot_table(index="hs4", columns="fy", values="value_usd", aggfunc="sum", fill_value=0.0) / 1e6
    wide = wide.reindex(columns=range(2010, 2024), fill_value=0.0)
    keep = wide[(wide != 0).sum(axis=1) >= 5]
    got = {s.keys["hs4"]: s for s in series}
    assert set(got) == set(keep.index) and len(got) >= 50
    for hs4, row in keep.iterrows():
        values = row.tolist()
        start = next(i for i, v in enumerate(values) if v != 0)
        assert np.allclose(got[hs4].y, values[start:], atol=1e-6), hs4
        assert got[hs4].labels[0] == f"FY{2010 + start}-{(2011 + start) % 100:02d}"
        assert got[hs4].labels[-1] == "FY2023-24"


def test_monthly_series_match_the_raw_file(monthly_backtest, monthly_raw):
    series, _ = monthly_backtest
    m = _india_monthly(monthly_raw)
    sums = m.groupby(["hs4", "period"])["value_usd"].sum()
    nonzero_fys = m[m["value_usd"].fillna(0) != 0].groupby("hs4")["fy"].nunique()
    expected = set(nonzero_fys[nonzero_fys >= 5].index)
    got = {s.keys["hs4"]: s for s in series}
    assert set(got) == expected
    for hs4 in sorted(expected)[:10]:
        s = got[hs4]
        raw = sums.loc[hs4]
        for label, value in zip(s.labels, s.y):
            assert value == pytest.approx(raw.get(label, 0.0) / 1e6, abs=1e-6), (hs4, label)


@pytest.mark.parametrize("which", ["annual", "annual_long", "monthly"])
def test_80pct_intervals_cover_70_to_90pct_out_of_fold(which, request):
    _, ev = request.getfixturevalue(f"{which}_backtest")
    chosen = ev.table().iloc[0]
    assert chosen["method"] == "chosen (cross-fitted)"
    assert chosen["points"] >= 300
    assert 0.70 <= chosen["coverage_80"] <= 0.90
    assert chosen["coverage_95"] >= 0.85


def test_monthly_chosen_methods_beat_naive(monthly_backtest):
    _, ev = monthly_backtest
    table = ev.table().set_index("method")
    assert table.loc["chosen (cross-fitted)", "mase"] < table.loc["naive", "mase"]


def test_annual_long_chosen_methods_beat_naive(annual_long_backtest):
    # 14 fiscal years (from India's monthly statistics), origins over the last 8 years.
    _, ev = annual_long_backtest
    table = ev.table().set_index("method")
    assert table.loc["chosen (cross-fitted)", "mase"] < table.loc["naive", "mase"]
    assert ev.selection["regular"] != "naive"  # on regular histories a candidate beats naive clearly


@pytest.mark.xfail(strict=True, reason="on 7-point annual series no candidate beats naive (every one is worse on "
                                       "the same points), so the chosen method is naive and ties it "
                                       "(docs/forecast.md, 'Backtest on the real data')")
def test_annual_chosen_methods_beat_naive(annual_backtest):
    _, ev = annual_backtest
    table = ev.table().set_index("method")
    assert table.loc["chosen (cross-fitted)", "mase"] < table.loc["naive", "mase"]


def test_annual_chosen_methods_are_no_worse_than_naive(annual_backtest):
    # The one-standard-error rule keeps naive unless a candidate beats it clearly; choosing the
    # lowest pooled MASE instead followed noise and lost to naive out of fold (8.16 vs 8.12).
    _, ev = annual_backtest
    table = ev.table().set_index("method")
    assert table.loc["chosen (cross-fitted)", "mase"] <= table.loc["naive", "mase"] + 1e-12


def test_every_backtest_row_names_the_model_that_ran(annual_backtest):
    _, ev = annual_backtest
    rec = ev.records
    assert rec["model"].notna().all() and (rec["model"] != "").all()
    # AutoETS cannot fit the 4-6 point training windows: the records say SES, not AutoETS.
    ets = rec[rec["method"] == "ets"]
    assert set(ets["model"]) <= {"SES", "AutoETS", "Naive"}
    assert (ets["model"] == "SES").any()
