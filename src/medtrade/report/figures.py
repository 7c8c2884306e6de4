"""Plotly figures of the report, built from Results only (no queries here).

Time axes are dates: a period is drawn at its midpoint (FY2022-23 at 2022-10-01), so an
event (a dated line) falls inside the period it belongs to. Events are vertical lines with
a marker at the top whose hover text gives title, kind, status and source.
"""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go

from medtrade.catalog.periods import parse_period
from medtrade.report.units import UNIT_LABELS
from medtrade.results import Result

__all__ = ["add_events", "driver_bars", "fan_chart", "hhi_lines", "midpoint", "mirror_bars", "monthly_sides",
           "registry_bars", "share_trend", "top_bars", "trend_by_segment"]

EVENT_COLOR = "#b35806"


def midpoint(label: str, /) -> str:
    """ISO date of a period's middle day: where the period's value is drawn."""
    p = parse_period(label)
    return (p.start + timedelta(days=(p.end - p.start).days // 2)).isoformat()


def _layout(fig: go.Figure, *, title: str, y: str, x: str = "") -> go.Figure:
    fig.update_layout(title={"text": title, "font": {"size": 15}}, template="plotly_white", height=420,
                      margin={"l": 60, "r": 20, "t": 60, "b": 50}, hovermode="closest",
                      legend={"orientation": "h", "y": -0.18}, font={"family": "system-ui, sans-serif"})
    fig.update_yaxes(title_text=y, rangemode="tozero")
    if x:
        fig.update_xaxes(title_text=x)
    return fig


def _axis(column: str, /) -> str:
    for code, label in UNIT_LABELS.items():
        if column.endswith(code):
            return label
    return column


def add_events(fig: go.Figure, events: list[dict], /) -> go.Figure:
    """Draw each event as a dotted vertical line with a hover marker at the top of the plot."""
    if not events:
        return fig
    for e in events:
        fig.add_shape(type="line", xref="x", yref="paper", x0=e["date"], x1=e["date"], y0=0, y1=1,
                      line={"color": EVENT_COLOR, "width": 1, "dash": "dot"})
    fig.add_trace(go.Scatter(
        x=[e["date"] for e in events], y=[0.97] * len(events), yaxis="y2", mode="markers", name="events",
        marker={"symbol": "triangle-down", "size": 10, "color": EVENT_COLOR},
        hovertext=[f"<b>{e['title']}</b><br>{e['date']} ({e.get('date_precision', 'day')}) · {e['kind']} · "
                   f"{e['status']}<br>source: {e.get('source_url') or e.get('source', '')}" for e in events],
        hoverinfo="text"))
    fig.update_layout(yaxis2={"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True})
    return fig


def trend_by_segment(results: dict[str, Result], /, *, exporter: str, importer: str, events: list[dict]) -> go.Figure:
    """One line per segment: exports per fiscal year in US$ million."""
    fig = go.Figure()
    for name, res in results.items():
        rows = [r for r in res.rows if r.get("value_usd_mn") is not None]
        fig.add_trace(go.Scatter(x=[midpoint(r["fy"]) for r in rows], y=[r["value_usd_mn"] for r in rows],
                                 customdata=[r["fy"] for r in rows], name=name, mode="lines+markers",
                                 hovertemplate="%{customdata}: US$ %{y:,.2f} mn<extra>" + name + "</extra>"))
    return add_events(_layout(fig, title=f"{exporter} -> {importer} exports by segment ({exporter}'s statistics, "
                                          "fiscal years Apr-Mar)", y="US$ million"), events)


def monthly_sides(res: Result, /, *, segment: str, exporter: str, importer: str, events: list[dict]) -> go.Figure:
    """The same flow per month as each side reports it."""
    fig = go.Figure()
    ds = {side: str(res.definition.get(f"{side}_side", "")).split("dataset ")[-1].split(":")[0]
          for side in ("exporter", "importer")}
    names = {"exporter_reports_usd_mn": f"{exporter}'s exports to {importer} ({ds['exporter']})",
             "importer_reports_usd_mn": f"{importer}'s imports from {exporter} ({ds['importer']})"}
    for col, name in names.items():
        rows = [r for r in res.rows if r.get(col) is not None]
        if rows:
            fig.add_trace(go.Scatter(x=[midpoint(r["month"]) for r in rows], y=[r[col] for r in rows],
                                     customdata=[r["month"] for r in rows], name=name, mode="lines",
                                     hovertemplate="%{customdata}: US$ %{y:,.3f} mn<extra>" + name + "</extra>"))
    return add_events(_layout(fig, title=f"{segment}: monthly, as each side reports it", y="US$ million"), events)


def mirror_bars(res: Result, /, *, segment: str) -> go.Figure:
    """Exporter's and importer's figure per product (TOTAL left out)."""
    rows = [r for r in res.rows if r.get(res.definition.get("level", "hs4")) != "TOTAL"]
    key = res.definition.get("level", "hs4")
    unit = res.definition.get("unit", "usd_mn")
    fig = go.Figure([
        go.Bar(x=[r[key] for r in rows], y=[r[f"exporter_value_{unit}"] for r in rows], name="exporter reports"),
        go.Bar(x=[r[key] for r in rows], y=[r[f"importer_value_{unit}"] for r in rows], name="importer reports"),
    ])
    fig.update_xaxes(type="category")
    return _layout(fig, title=f"Mirror {res.definition.get('period', '')}: {segment} by {key}", y=_axis(unit), x=key)


def top_bars(res: Result, /, *, highlight: str) -> go.Figure:
    """Top partners as bars, the corridor's partner highlighted."""
    col = next(c for c in res.rows[0] if c.startswith("value_")) if res.rows else "value_usd_mn"
    rows = res.rows
    fig = go.Figure(go.Bar(x=[r["partner"] for r in rows], y=[r[col] for r in rows],
                           marker_color=["#d62728" if r["partner"] == highlight else "#1f77b4" for r in rows],
                           hovertext=[r.get("partner_name") for r in rows]))
    fig.update_xaxes(type="category")
    return _layout(fig, title=res.title, y=_axis(col))


def share_trend(res: Result, /, *, events: list[dict]) -> go.Figure:
    """The partner's share per fiscal year, of the total and of the group."""
    fig = go.Figure()
    for of in dict.fromkeys(r["of_total"] for r in res.rows):
        rows = [r for r in res.rows if r["of_total"] == of and r.get("share") is not None]
        fig.add_trace(go.Scatter(x=[midpoint(r["period"]) for r in rows], y=[100 * r["share"] for r in rows],
                                 customdata=[r["period"] for r in rows], mode="lines+markers",
                                 name=f"share of {'all partners' if of == 'world' else of}",
                                 hovertemplate="%{customdata}: %{y:.2f} %<extra></extra>"))
    return add_events(_layout(fig, title=res.title, y="%"), events)


def driver_bars(res: Result, /) -> go.Figure:
    """Each product's change between the two periods (TOTAL left out)."""
    key = res.query.get("level") or "hs4"
    rows = [r for r in res.rows if r.get(key) != "TOTAL"]
    fig = go.Figure(go.Bar(x=[r[key] for r in rows], y=[r["change"] for r in rows],
                           marker_color=["#2ca02c" if (r["change"] or 0) >= 0 else "#d62728" for r in rows]))
    fig.update_xaxes(type="category")
    return _layout(fig, title=res.title, y=f"change, {_axis(str(res.definition.get('unit', '')))}", x=key)


def hhi_lines(per: dict[str, Result], /, *, events: list[dict]) -> go.Figure:
    """HHI (0-10,000) of destinations per fiscal year, one line per segment."""
    fig = go.Figure()
    for name, res in per.items():
        rows = [r for r in res.rows if r.get("hhi") is not None]
        fig.add_trace(go.Scatter(x=[midpoint(r["fy"]) for r in rows], y=[r["hhi"] for r in rows],
                                 customdata=[r["fy"] for r in rows], name=name, mode="lines+markers",
                                 hovertemplate="%{customdata}: HHI %{y:,.0f}<extra>" + name + "</extra>"))
    return add_events(_layout(fig, title="Concentration of destinations (HHI, 0-10,000)", y="HHI"), events)


def registry_bars(res: Result, /, *, highlight: str, n: int = 15) -> go.Figure:
    """The first ``n`` countries of a register by products."""
    rows = [r for r in res.rows if r.get("country")][:n]
    fig = go.Figure(go.Bar(x=[r["country"] for r in rows], y=[100 * r["share"] for r in rows],
                           hovertext=[f"{r['country_name']}: {r['products']:,} products" for r in rows],
                           marker_color=["#d62728" if r["country"] == highlight else "#1f77b4" for r in rows]))
    fig.update_xaxes(type="category")
    return _layout(fig, title=res.title, y="% of products")


def fan_chart(res: Result, /, *, segment: str, events: list[dict], target: Result | None = None) -> go.Figure:
    """Actuals, the forecast and its 80 % / 95 % bands; with ``target``, the path needed and its probability."""
    col = next(c for c in res.rows[0] if c.startswith("value_"))
    actual = [r for r in res.rows if r["type"] == "actual"]
    fc = [r for r in res.rows if r["type"] == "forecast"]
    xa, xf = [midpoint(r["period"]) for r in actual], [midpoint(r["period"]) for r in fc]
    fig = go.Figure()
    for lv, color in ((95, "rgba(31,119,180,0.15)"), (80, "rgba(31,119,180,0.30)")):
        fig.add_trace(go.Scatter(x=xf + xf[::-1], y=[r[f"hi_{lv}"] for r in fc] + [r[f"lo_{lv}"] for r in fc][::-1],
                                 fill="toself", fillcolor=color, line={"width": 0}, mode="lines", name=f"{lv}% interval",
                                 hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=xa, y=[r[col] for r in actual], customdata=[r["period"] for r in actual],
                             mode="lines+markers", name="actual", line={"color": "#1f77b4"},
                             hovertemplate="%{customdata}: %{y:,.2f}<extra>actual</extra>"))
    if fc:
        last = actual[-1:] if actual else []
        fig.add_trace(go.Scatter(
            x=[midpoint(r["period"]) for r in last] + xf, y=[r[col] for r in last] + [r[col] for r in fc],
            customdata=[r["period"] for r in last] + [r["period"] for r in fc], mode="lines+markers",
            name=f"forecast ({fc[0]['model']})", line={"color": "#1f77b4", "dash": "dash"},
            hovertemplate="%{customdata}: %{y:,.2f}<extra>forecast</extra>"))
    title = f"Forecast: {segment}, 80% and 95% intervals"
    if target is not None:
        path = [r for r in target.rows if ".." not in r["period"]]
        summary = target.rows[-1]
        fig.add_trace(go.Scatter(x=[midpoint(r["period"]) for r in path], y=[r["needed"] for r in path],
                                 customdata=[r["period"] for r in path], mode="lines", name="target path",
                                 line={"color": "#d62728", "dash": "dot"},
                                 hovertemplate="%{customdata}: needed %{y:,.2f}<extra>target</extra>"))
        p = summary.get("p_at_or_above_needed")
        text = (f"target x{summary.get('multiple'):g} by {path[-1]['period']}: {summary.get('required_cagr_pct')}% a "
                f"year; probability {'n/a' if p is None else f'{p:.0%}'}")
        fig.add_annotation(x=midpoint(path[-1]["period"]), y=path[-1]["needed"], text=text, showarrow=True,
                           arrowhead=2, ax=-120, ay=-30, font={"color": "#d62728"})
        title += f"<br><sup>{text}</sup>"
    return add_events(_layout(fig, title=title, y=_axis(col)), events)
