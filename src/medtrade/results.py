"""An answer as a value: the rows plus everything needed to trust them.

Every analytic verb returns a :class:`Result`; the CLI, the report and the HTTP API
only render it. JSON output is ``{query, definition, rows, sources, notes}``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass
class Result:
    """Rows and their provenance.

    Attributes
    ----------
    query : the verb and its arguments as given.
    definition : what the numbers mean (segment codes, unit, period type, dataset, rates).
    rows : one dict per output row, JSON-safe values.
    sources : the files behind the rows (name, sha256, dataset, format).
    notes : caveats a reader must see (incomplete data, conversions, exclusions).
    """

    query: dict[str, Any]
    definition: dict[str, Any]
    rows: list[dict[str, Any]]
    sources: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    title: str = ""

    def asdict(self) -> dict[str, Any]:
        """The JSON object form."""
        return {
            "query": self.query,
            "definition": self.definition,
            "rows": self.rows,
            "sources": self.sources,
            "notes": self.notes,
        }

    def to_json(self) -> str:
        """JSON text (dates as ISO strings, NaN as null)."""
        return json.dumps(_clean(self.asdict()), ensure_ascii=False, indent=2)

    def to_csv(self) -> str:
        """CSV text of the rows only."""
        buf = io.StringIO()
        if self.rows:
            writer = csv.DictWriter(buf, fieldnames=list(self.rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(_clean(self.rows))
        return buf.getvalue()

    def print(self, console: Console, *, fmt: str = "table") -> None:
        """Render in the chosen output format."""
        if fmt == "json":
            console.print_json(self.to_json()) if console.is_terminal else print(self.to_json())
            return
        if fmt == "csv":
            print(self.to_csv(), end="")
            return
        table = Table(title=self.title or None, title_justify="left")
        columns = list(self.rows[0]) if self.rows else []
        for col in columns:
            numeric = any(isinstance(r.get(col), (int, float)) and not isinstance(r.get(col), bool) for r in self.rows)
            table.add_column(col, justify="right" if numeric else "left")
        for row in self.rows:
            table.add_row(*(_cell(row.get(c)) for c in columns))
        console.print(table)
        for key, value in self.definition.items():
            console.print(f"[dim]{key}:[/dim] {as_text(value)}", highlight=False)
        for src in self.sources:
            console.print(f"[dim]source:[/dim] {src.get('name')} ({src.get('dataset', '')}, sha256 {str(src.get('sha256', ''))[:12]})")
        for note in self.notes:
            console.print(f"[yellow]note:[/yellow] {note}")


def as_text(value: Any) -> str:
    """A definition or note value as one line of text (dicts as 'key value; ...', lists joined)."""
    if isinstance(value, dict):
        return "; ".join(f"{k} {as_text(v)}" for k, v in value.items() if v not in (None, "", [], ()))
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return float(f"{value:.12g}")  # drop binary noise (398.22999999999996), keep 12 significant digits
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
