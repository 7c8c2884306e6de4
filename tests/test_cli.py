"""The command line: every command documents itself; bad options are one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from medtrade.cli import app
from medtrade.warehouse.store import Warehouse

HEADER = "hs8,description,unit,fy,fy_start_year,partner,value_usd_mn,value_inr_crore,quantity"
ROWS = [
    "30041000,PENICILLINS,KGS,2022-23,2022,RUSSIA,1.5,12.3,100.0",
    "90189099,OTHER INSTRUMENTS,NOS,2022-23,2022,RUSSIA,0.75,6.2,10.0",
]


def command_paths(command: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command of the app as its argument path, sub-apps (`rates add`) included."""
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        return [prefix]
    paths = [prefix] if prefix else []
    for name, sub in sorted(subcommands.items()):
        paths += command_paths(sub, (*prefix, name))
    return paths


COMMANDS = command_paths(typer.main.get_command(app))


def test_the_command_list_covers_what_the_app_registers() -> None:
    names = {path[0] for path in COMMANDS}
    registered = {info.name or info.callback.__name__.replace("_", "-") for info in app.registered_commands}
    registered |= {info.name for info in app.registered_groups}
    assert registered <= names
    assert {"load", "sources", "rejects", "flows"} <= names
    assert ("rates", "add") in COMMANDS


@pytest.mark.parametrize("path", [(), *COMMANDS], ids=lambda p: " ".join(p) or "medtrade")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with two India -> Russia rows (a medicament and a device)."""
    folder = tmp_path_factory.mktemp("cli")
    csv = folder / "eidb.csv"
    csv.write_text("\n".join([HEADER, *ROWS]) + "\n")
    path = folder / "w.duckdb"
    with Warehouse(path) as wh:
        wh.load(csv)
    return path


def test_flows_answers_on_a_small_warehouse(small_warehouse: Path, run_medtrade) -> None:
    done = run_medtrade("flows", "--exporter", "IND", "--importer", "RUS", "--segment", "medical_devices",
                        "--format", "json", "-w", small_warehouse)
    assert done.returncode == 0, done.stderr
    assert [(r["fy"], r["value_usd_mn"]) for r in json.loads(done.stdout)["rows"]] == [("FY2022-23", 0.75)]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--exporter", "NARNIA", "--importer", "RUS"], ["unknown country", "`NARNIA`"]),
        (["--exporter", "IND", "--importer", "NARNIA"], ["unknown country", "`NARNIA`"]),
        (["--exporter", "IND", "--importer", "RUS", "--unit", "furlongs"], ["unknown unit", "`furlongs`", "usd_mn"]),
        (["--exporter", "IND", "--importer", "RUS", "--by", "decade"], ["`decade`", "fy"]),
        (["--exporter", "IND", "--importer", "RUS", "--segment", "nosuchseg"], ["unknown segment", "`nosuchseg`", "pharma"]),
        (["--exporter", "IND", "--importer", "RUS", "--format", "xml"], ["`xml`", "json"]),
    ],
    ids=["exporter", "importer", "unit", "by", "segment", "format"],
)
def test_bad_flows_options_are_one_line(small_warehouse: Path, run_medtrade, args: list[str], words: list[str]) -> None:
    done = run_medtrade("flows", *args, "-w", small_warehouse)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]
    assert done.stdout == ""


def test_missing_warehouse_is_one_line(tmp_path: Path, run_medtrade) -> None:
    done = run_medtrade("sources", "-w", tmp_path / "nowhere.duckdb")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: warehouse `{tmp_path / 'nowhere.duckdb'}` does not exist: "
        "run `medtrade load FILE` or `medtrade demo` first"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["top", "--exporter", "IND", "--segment", "medical_devices", "--period", "FY2022-23", "--n", "5"],
        ["share", "--exporter", "IND", "--partner", "RUS", "--of-group", "CIS", "--segment", "pharma", "--period", "FY2021-22"],
        ["concentration", "--exporter", "IND", "--segment", "medical_devices"],
        ["growth", "--exporter", "IND", "--importer", "RUS", "--segment", "pharma"],
        ["drivers", "--exporter", "IND", "--importer", "RUS", "--segment", "medical_devices",
         "--start", "FY2021-22", "--end", "FY2023-24"],
        ["flows", "--exporter", "IND", "--importer", "RUS", "--segment", "medical_devices", "--by", "fy,hs4"],
    ],
    ids=lambda a: a[0],
)
def test_analytic_verbs_answer_in_json(args: list[str], loaded_warehouse: Path, run_medtrade) -> None:  # noqa: ANN001
    done = run_medtrade(*args, "-w", loaded_warehouse, "--format", "json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert set(body) == {"query", "definition", "rows", "sources", "notes"}
    assert body["rows"] and body["sources"][0]["sha256"]
    assert body["query"]["verb"] == args[0]


@pytest.mark.slow
def test_share_of_cis_from_the_cli_equals_the_raw_file(loaded_warehouse: Path, india_csv: Path, run_medtrade) -> None:  # noqa: ANN001
    import pandas as pd

    raw = pd.read_csv(india_csv, dtype={"hs8": str})
    cis_names = ["ARMENIA", "AZERBAIJAN", "BELARUS", "KAZAKHSTAN", "KYRGHYZSTAN", "MOLDOVA", "RUSSIA",
                 "TAJIKISTAN", "TURKMENISTAN", "UZBEKISTAN"]  # CIS on 2022-03-31 (Ukraine out since 2018-05-19)
    fy = raw[(raw.fy == "2021-22") & raw.hs8.str.startswith("30") & raw.partner.isin(cis_names)]
    expected = fy[fy.partner == "RUSSIA"].value_usd_mn.sum() / fy.value_usd_mn.sum()
    done = run_medtrade("share", "--exporter", "IND", "--partner", "RUS", "--of-group", "CIS", "--segment", "pharma",
                        "--period", "FY2021-22", "-w", loaded_warehouse, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"][0]["share"] == pytest.approx(expected, abs=1e-6)  # shares are given to 6 decimals


def test_every_command_is_in_the_cli_reference() -> None:
    """docs/cli.md is generated from --help (scripts/cli_reference.py); a new command must be regenerated into it."""
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "cli_reference.py"
    spec = importlib.util.spec_from_file_location("cli_reference", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    documented = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    for path in module.command_paths(typer.main.get_command(app)):
        assert f"## `medtrade {' '.join(path)}`" in documented, f"run scripts/cli_reference.py: {path} is missing"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["load", "{tmp}"], ["is a directory"]),
        (["rates", "show", "INR", "--by", "decade"], ["unknown --by", "`decade`", "month, year, fy"]),
        (["rates", "add", "{tmp}/missing.csv"], ["missing.csv", "cannot be read"]),
    ],
    ids=["load-directory", "rates-bad-by", "rates-missing-file"],
)
def test_other_user_errors_are_one_line(args: list[str], words: list[str], tmp_path: Path, run_medtrade) -> None:  # noqa: ANN001
    done = run_medtrade(*[a.format(tmp=tmp_path) for a in args], "-w", tmp_path / "w.duckdb")
    assert done.returncode == 2 and "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0]
