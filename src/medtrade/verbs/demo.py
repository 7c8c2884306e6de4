"""`medtrade demo`: the shared sample data loaded and the flagship corridor printed."""

from __future__ import annotations

from pathlib import Path

from medtrade.catalog.segments import presets
from medtrade.results import Result
from medtrade.sources import READERS
from medtrade.sources.registry import REGISTRY_READERS
from medtrade.verbs.flows import run_flows
from medtrade.warehouse.store import Warehouse

SKIP_SUFFIXES = (".md", ".txt", ".db", ".sql")


def demo_files(data_dir: Path, /) -> list[Path]:
    """Every file under ``data_dir/trade`` that a reader recognises, largest dataset first, then every register
    sample under ``data_dir/registry``."""
    found = []
    for path in sorted((data_dir / "trade").rglob("*")):
        if not path.is_file() or path.suffix in SKIP_SUFFIXES:
            continue
        if any(_detects(module, path) for module in READERS):
            found.append(path)
    found = sorted(found, key=lambda p: -p.stat().st_size)
    # Registers after trade; a derived flat file before the scrape it came from, so the richer JSON is current.
    registers = [p for p in sorted((data_dir / "registry").rglob("*"), key=lambda p: (p.suffix == ".json", str(p)))
                 if p.is_file() and p.suffix not in (".md", ".txt") and any(_detects(m, p) for m in REGISTRY_READERS)]
    return found + registers


def _detects(module: object, path: Path) -> bool:
    try:
        return bool(module.detect(path))  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a file no reader understands is simply not a demo file
        return False


def demo_tables(wh: Warehouse, /) -> list[Result]:
    """India -> Russia exports by fiscal year for each segment preset, in USD million and INR crore."""
    out = []
    for seg in presets():
        usd = run_flows(wh, exporter="IND", importer="RUS", segment=seg, by="fy", unit="usd_mn")
        inr = run_flows(wh, exporter="IND", importer="RUS", segment=seg, by="fy", unit="inr_crore")
        inr_by = {r["fy"]: r["value_inr_crore"] for r in inr.rows}
        rows = [{"fy": r["fy"], "value_usd_mn": r["value_usd_mn"], "value_inr_crore": inr_by.get(r["fy"]),
                 "source_rows": r["source_rows"]} for r in usd.rows]
        out.append(Result(query=usd.query | {"unit": "usd_mn,inr_crore"}, definition=usd.definition | {"unit": "US$ million; INR crore"},
                          rows=rows, sources=usd.sources, notes=usd.notes + [n for n in inr.notes if n not in usd.notes],
                          title=f"India -> Russia exports, {seg.name} ({', '.join(seg.include)})"))
    return out


def demo_events(wh: Warehouse, /) -> str:
    """Load the India-Russia events shipped with the package (idempotent: a second demo adds nothing)."""
    from medtrade.verbs.events import load_events, shipped_events_file

    return str(load_events(wh, shipped_events_file()))
