"""The report as one self-contained HTML file: one Jinja2 template, Plotly's JavaScript inlined once.

No CDN, no web fonts, no images: the file opens offline. Each table cell carries its
exact value in ``data-value`` (the text is rounded for reading), so a reader or a test
can compare the page with the workbook.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import plotly.io as pio
from plotly.offline import get_plotlyjs

from medtrade import __version__
from medtrade.report.build import Report, Table
from medtrade.report.units import display, header, is_fraction
from medtrade.results import as_text

__all__ = ["render_html", "write_html"]

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("medtrade.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["text"] = as_text
    return env


def _raw(value: Any) -> str:
    """The exact value as text for ``data-value`` (JSON numbers, empty for none)."""
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return display("", value)


def _table(t: Table) -> dict[str, Any]:
    res = t.result
    columns = list(dict.fromkeys(k for r in res.rows for k in r))
    numeric = {c for c in columns if any(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool)
                                         for r in res.rows)}
    return {
        "key": t.key, "sheet": t.sheet, "caption": t.caption, "title": res.title,
        # many columns, or long text: the table takes the full width and its provenance goes below
        "wide": len(columns) > 8 or any(isinstance(v, str) and len(v) > 120 for r in res.rows for v in r.values()),
        "columns": [{"name": c, "header": header(c, res), "numeric": c in numeric, "fraction": is_fraction(c)}
                    for c in columns],
        "rows": [[{"text": display(c, r.get(c)), "raw": _raw(r.get(c)), "numeric": c in numeric} for c in columns]
                 for r in res.rows],
        "definition": res.definition, "sources": res.sources, "notes": res.notes,
    }


def render_html(report: Report, /) -> str:
    """The report page as one string (about 5 MB: Plotly's JavaScript is most of it)."""
    sections = []
    for s in report.sections:
        figures = [{"id": f"fig-{s.id}-{name}", "html": pio.to_html(fig, full_html=False, include_plotlyjs=False,
                                                                     div_id=f"fig-{s.id}-{name}", config=PLOTLY_CONFIG)}
                   for name, fig in s.figures]
        sections.append({"id": s.id, "title": s.title, "question": s.question, "notes": s.notes,
                         "figures": figures, "tables": [_table(t) for t in s.tables]})
    return _env().get_template("report.html.j2").render(
        title=report.title, report=report, query=report.query(), sources=report.sources(), sections=sections,
        generated=report.generated_at.isoformat(), version=__version__, plotlyjs=get_plotlyjs(),
        seconds=json.dumps({k: round(v, 2) for k, v in report.seconds.items()}))


def write_html(report: Report, path: str | Path, /) -> Path:
    """Write the page atomically (temporary file, then rename) and return its path."""
    out = Path(path)
    text = render_html(report)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent if str(out.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be shared
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
