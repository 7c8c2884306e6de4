"""The report's pure parts: units in headers, sheet names, combined tables, CLI input errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from medtrade.report.build import Table, _name_sheets, combine
from medtrade.report.figures import fan_chart, midpoint
from medtrade.report.units import column_unit, display, header
from medtrade.results import Result


def _res(unit: str = "usd_mn", rows: list[dict] | None = None) -> Result:
    return Result(query={"verb": "x", "unit": unit}, definition={"unit": unit}, rows=rows or [])


@pytest.mark.parametrize(("column", "unit"), [
    ("value_usd_mn", "US$ million"), ("value_inr_crore", "INR crore"), ("value_usd_mn_FY2021-22", "US$ million"),
    ("exporter_value_usd_mn", "US$ million"), ("gap_usd_mn", "US$ million"), ("total_value_usd", "US$"),
    ("share", "%"), ("cumulative_share", "%"), ("top5_share", "%"), ("change_pct", "%"), ("hhi", "0-10,000"),
    ("change", "US$ million"), ("lo_95", "US$ million"), ("fy", "fiscal year Apr-Mar"), ("partner", None),
    ("hs4", None),
])
def test_units_come_from_the_column_or_the_definition(column: str, unit: str | None) -> None:
    assert column_unit(column, _res()) == unit
    assert header(column, _res()) == (f"{column} [{unit}]" if unit else column)


def test_change_takes_the_results_unit() -> None:
    assert column_unit("change", _res("inr_crore")) == "INR crore"


def test_display_shows_fractions_as_percent_and_rounds_for_reading() -> None:
    assert display("share", 0.228688) == "22.87 %"
    assert display("value_usd_mn", 1234.567) == "1,234.57"
    assert display("value_usd_mn", 0.0042) == "0.0042"
    assert display("rank", None) == "" and display("source_rows", 1234) == "1,234"


def test_sheet_names_are_short_unique_and_legal() -> None:
    tables = [Table(k, _res(), k) for k in ("flows:medical_devices_core", "flows:medical_devices_core",
                                            "share:latest", "claims", "registry:holder")]
    tables.append(Table("flows:" + "3004", _res(), "x"))
    _name_sheets(tables)
    names = [t.sheet for t in tables]
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == len(names)
    assert not any(set(n) & set("[]:*?/\\") for n in names)
    assert names[0] == "Trade medical_devices_core" and names[1] == "Trade medical_devices_core 2"


def test_combine_keeps_equal_definitions_once_and_splits_the_rest() -> None:
    a = Result(query={"verb": "share"}, definition={"unit": "usd_mn", "segment": "a"}, rows=[{"share": 0.1}],
               sources=[{"name": "f", "sha256": "1"}], notes=["n1", "n2"])
    b = Result(query={"verb": "share"}, definition={"unit": "usd_mn", "segment": "b"}, rows=[{"share": 0.2}],
               sources=[{"name": "f", "sha256": "1"}], notes=["n2"])
    c = combine([a, b], column="segment_name", labels=["A", "B"], title="t")
    assert c.rows == [{"segment_name": "A", "share": 0.1}, {"segment_name": "B", "share": 0.2}]
    assert c.definition == {"unit": "usd_mn", "segment": {"A": "a", "B": "b"}}
    assert c.sources == [{"name": "f", "sha256": "1"}] and c.notes == ["n1", "n2"]


def test_fan_chart_draws_bands_target_and_events() -> None:
    rows = [{"period": f"FY20{y}-{y + 1}", "type": "actual", "value_usd_mn": float(y)} for y in (20, 21, 22)]
    rows += [{"period": "FY2023-24", "type": "forecast", "value_usd_mn": 23.0, "lo_80": 20.0, "hi_80": 26.0,
              "lo_95": 18.0, "hi_95": 30.0, "model": "AutoETS"}]
    target = _res(rows=[{"period": "FY2022-23", "needed": 22.0}, {"period": "FY2023-24", "needed": 44.0},
                        {"period": "FY2022-23..FY2023-24", "needed": 44.0, "multiple": 2.0,
                         "required_cagr_pct": 100.0, "p_at_or_above_needed": 0.05}])
    events = [{"date": "2023-01-05", "kind": "mou", "title": "t", "status": "done", "source_url": "seed:x"}]
    fig = fan_chart(_res(rows=rows), segment="s", events=events, target=target)
    by = {t.name: t for t in fig.data}
    assert len(by["actual"].x) == 3 and list(by["target path"].y) == [22.0, 44.0]
    assert list(by["95% interval"].y) == [30.0, 18.0] and list(by["events"].x) == ["2023-01-05"]
    assert "probability 5%" in fig.layout.annotations[0].text
    assert midpoint("FY2023-24") == by["forecast (AutoETS)"].x[-1]


def test_cli_refuses_bad_input_with_one_line(run_medtrade, tmp_path: Path) -> None:  # noqa: ANN001
    missing = tmp_path / "none.duckdb"
    proc = run_medtrade("report", "--exporter", "IND", "--importer", "RUS", "-o", tmp_path / "r.html", "-w", missing)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "does not exist" in proc.stderr
    proc = run_medtrade("report", "--exporter", "IND", "--importer", "RUS", "-o", tmp_path / "r.txt", "-w", missing)
    assert proc.returncode == 2 and "must end in .html" in proc.stderr
    proc = run_medtrade("report", "--exporter", "IND", "--importer", "RUS", "-o", tmp_path / "no/such/r.html")
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    proc = run_medtrade("report", "--exporter", "IND", "--importer", "RUS", "-o", tmp_path / "r.html",
                        "-f", "csv", "-w", missing)
    assert proc.returncode == 2 and "valid: table, json" in proc.stderr


def test_demo_without_corridor_data_skips_the_report_with_a_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from medtrade.cli_report import demo_report
    from medtrade.warehouse.store import Warehouse

    Warehouse(tmp_path / "empty.duckdb").close()
    assert demo_report(tmp_path / "empty.duckdb") is None
    err = capsys.readouterr().err
    assert "report not written" in err and "no complete fiscal year of IND exports to RUS" in err
    assert not (tmp_path / "india-russia.html").exists()


def test_named_columns_win_over_unit_patterns() -> None:
    # `inr_per_usd` holds rupees per dollar, not dollars; `rub_fixings` counts days.
    assert header("inr_per_usd", _res()) == "inr_per_usd [INR per US$]"
    assert header("rub_fixings", _res()) == "rub_fixings [days]"
