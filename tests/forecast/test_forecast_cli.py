"""CLI smoke tests for forecast, backtest and target."""

from __future__ import annotations

import json


def test_forecast_json(run_medtrade, loaded_warehouse):
    out = run_medtrade("forecast", "--exporter", "IND", "--importer", "RUS", "--segment", "medical_devices",
                       "--by", "fy", "--horizon", "5", "-w", loaded_warehouse, "-f", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    fc = [r for r in doc["rows"] if r["type"] == "forecast"]
    assert [r["period"] for r in fc] == ["FY2024-25", "FY2025-26", "FY2026-27", "FY2027-28", "FY2028-29"]
    for r in fc:
        assert r["model"] and r["why"] and r["lo_80"] <= r["value_usd_mn"] <= r["hi_80"] <= r["hi_95"]
    assert any(n.startswith("backtest:") and "MASE" in n for n in doc["notes"])


def test_backtest_and_target_tables(run_medtrade, loaded_warehouse):
    out = run_medtrade("backtest", "--exporter", "IND", "--importer", "RUS", "--segment", "9021",
                       "--windows", "2", "--per-series", "-w", loaded_warehouse, "-f", "csv")
    assert out.returncode == 0, out.stderr
    assert "mase" in out.stdout.splitlines()[0] and "coverage_80" in out.stdout.splitlines()[0]
    assert "chosen (cross-fitted)" in out.stdout and "naive" in out.stdout
    out = run_medtrade("target", "--exporter", "IND", "--importer", "RUS", "--segment", "9021",
                       "--base", "FY2022-23", "--multiple", "3", "--years", "5", "-w", loaded_warehouse)
    assert out.returncode == 0, out.stderr
    assert "24.6% a year" in out.stdout


def test_bad_options_are_one_line_errors(run_medtrade, loaded_warehouse):
    out = run_medtrade("target", "--exporter", "IND", "--importer", "RUS", "--base", "FY2022-23", "--years", "5",
                       "-w", loaded_warehouse)
    assert out.returncode == 2 and "exactly one of --multiple" in out.stderr
    out = run_medtrade("forecast", "--exporter", "IND", "--by", "week", "-w", loaded_warehouse)
    assert out.returncode == 2 and "--by" in out.stderr and len(out.stderr.strip().splitlines()) == 1
