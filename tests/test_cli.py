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
