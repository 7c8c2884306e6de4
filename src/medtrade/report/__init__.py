"""The corridor report: one self-contained HTML file (Plotly, offline) and an Excel workbook.

>>> from medtrade.report import ReportSpec, build_report, write_html, write_xlsx     # doctest: +SKIP
>>> report = build_report("demo.duckdb", spec=ReportSpec(exporter="IND", importer="RUS"))
>>> write_html(report, "india-russia.html"); write_xlsx(report, "india-russia.xlsx")
"""

from __future__ import annotations

from medtrade.report.build import Report, ReportSpec, Section, Table, build_report
from medtrade.report.html import render_html, write_html
from medtrade.report.xlsx import write_xlsx

__all__ = ["Report", "ReportSpec", "Section", "Table", "build_report", "render_html", "write_html", "write_xlsx"]
