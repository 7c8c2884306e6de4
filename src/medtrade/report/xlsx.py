"""The report's tables as an Excel workbook (xlsxwriter): one sheet per table, an "About" sheet first.

Each sheet: row 1 the headers with units (``value_usd_mn [US$ million]``), then the rows
(exact values; shares as fractions with a percent format, the way the page shows them),
a blank row, then the table's definition, sources and notes.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import xlsxwriter

from medtrade.report.build import Report
from medtrade.report.units import header, is_fraction
from medtrade.results import as_text

__all__ = ["write_xlsx"]


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_xlsx(report: Report, path: str | Path, /) -> Path:
    """Write the workbook atomically and return its path.

    Examples
    --------
    >>> write_xlsx(build_report("demo.duckdb"), "india-russia.xlsx")     # doctest: +SKIP
    """
    out = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".xlsx", dir=out.parent if str(out.parent) else ".")
    os.close(fd)
    try:
        _write(report, Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _write(report: Report, path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True, "strings_to_urls": False,
                                         "strings_to_numbers": False, "strings_to_formulas": False})
    bold = wb.add_format({"bold": True, "bg_color": "#F2F5F9", "text_wrap": True, "valign": "top"})
    pct = wb.add_format({"num_format": "0.00%"})
    num = wb.add_format({"num_format": "#,##0.00"})
    small = wb.add_format({"num_format": "#,##0.0000"})
    whole = wb.add_format({"num_format": "#,##0"})
    label = wb.add_format({"bold": True})

    about = wb.add_worksheet("About")
    about.set_column(0, 0, 22)
    about.set_column(1, 1, 110)
    lines: list[tuple[str, Any]] = [("report", report.title), ("generated (UTC)", report.generated_at.isoformat())]
    lines += [(k, as_text(v)) for k, v in report.query().items()]
    lines.append(("sheets", f"{len(report.tables())} tables, one per sheet; headers carry units in [brackets]"))
    for src in report.sources():
        lines.append(("source", f"{src.get('name')} ({src.get('dataset', '')}, {src.get('format', '')}), "
                                f"sha256 {src.get('sha256', '')}"))
    for s in report.sections:
        for n in s.notes:
            lines.append((f"note ({s.title})", n))
    for t in report.tables():
        lines.append(("sheet", f"{t.sheet}: {t.caption}"))
    for i, (k, v) in enumerate(lines):
        about.write_string(i, 0, k, label)
        about.write(i, 1, v)

    for t in report.tables():
        res = t.result
        ws = wb.add_worksheet(t.sheet)
        columns = list(dict.fromkeys(k for r in res.rows for k in r))
        for j, c in enumerate(columns):
            ws.write_string(0, j, header(c, res), bold)
            ws.set_column(j, j, max(12, min(40, len(header(c, res)) + 2)))
        for i, r in enumerate(res.rows, start=1):
            for j, c in enumerate(columns):
                v = _cell(r.get(c))
                if v is None:
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, (int, float)):
                    fmt = pct if is_fraction(c) else whole if isinstance(v, int) else (num if v == 0 or abs(v) >= 1 else small)
                    ws.write_number(i, j, v, fmt)
                else:
                    ws.write_string(i, j, str(v))
        ws.freeze_panes(1, 0)
        row = len(res.rows) + 2
        ws.write_string(row, 0, res.title or t.caption, label)
        row += 1
        for k, v in res.definition.items():
            ws.write_string(row, 0, f"definition: {k}", label)
            ws.write_string(row, 1, as_text(v))
            row += 1
        for src in res.sources:
            ws.write_string(row, 0, "source", label)
            ws.write_string(row, 1, f"{src.get('name')} ({src.get('dataset', '')}), sha256 {src.get('sha256', '')}")
            row += 1
        for n in res.notes:
            ws.write_string(row, 0, "note", label)
            ws.write_string(row, 1, n)
            row += 1
    wb.close()
