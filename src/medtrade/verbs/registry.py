"""`medtrade registry ...`: shares, companies, substances, timeline and the trade link of a register.

Every answer names the register it counts, the date its files state (or that they
state none), and its coverage (products, files, how many products have a country on
the basis asked), because a scraped sample is not the whole register.
"""

from __future__ import annotations

import math

import ibis

from medtrade.analysis import registry as ra
from medtrade.catalog import atc_hs, countries
from medtrade.catalog.periods import parse_period
from medtrade.errors import InputError
from medtrade.results import Result
from medtrade.verbs.common import available, choose_dataset
from medtrade.warehouse.store import Warehouse

__all__ = ["REGISTRIES", "run_companies", "run_inn", "run_link", "run_share", "run_timeline"]

#: Registers medtrade reads, in the order a default is chosen, with what each one is.
REGISTRIES: dict[str, str] = {
    "ru-grls": "Russian State Register of Medicines (GRLS), official xlsx export",
    "ru-grls-sample": "GRLS scrape of ~March 2023 (grls_parser): INNs starting with А or Б only, not the whole register",
    "ru-zhnvlp": "Roszdravnadzor reference of vital-drug (ЖНВЛП) packs with registered limit prices, February 2018",
    "ru-price-monitor": "Roszdravnadzor price-monitoring basket, hospital segment (~2010-2013)",
    "eaeu-drugs": "EAEU common register of medicines (scraped sample, 2021)",
    "kz-drugs": "Kazakhstan NDDA register of medicines (scraped sample, October 2021)",
    "ru-devices": "Roszdravnadzor register of medical devices (scraped sample, 2021)",
    "eaeu-devices": "EAEU register of medical devices (scraped sample, 2021)",
    "kz-devices": "Kazakhstan NDDA register of medical devices (scraped sample, 2021)",
    "who-pq-vaccines": "WHO list of prequalified vaccines",
    "who-pq-medicines": "WHO prequalified finished pharmaceutical products",
    "who-pq-api": "WHO prequalified active pharmaceutical ingredients",
    "who-pq-ivd": "WHO prequalified in-vitro diagnostics",
    "in-cdsco": "India CDSCO list of approved new drugs 1961-2017 (no applicant or country)",
    "us-fda-orphan": "US FDA orphan-drug designations and approvals (sponsor country)",
}
BASIS_CHOICES = {"stated": ("stated",), "inferred": ("inferred-ean", "inferred-address", "inferred-regulator"),
                 "any": ("stated", "inferred-ean", "inferred-address", "inferred-regulator")}
ROLES = ("manufacturer", "holder")


def _loaded(wh: Warehouse) -> set[str]:
    return {r[0] for r in wh.con.execute("SELECT DISTINCT registry FROM registrations WHERE superseded_by IS NULL"
                                         ).fetchall()}


def choose_registry(wh: Warehouse, requested: str | None, /) -> str:
    """The requested register, else the first loaded one in :data:`REGISTRIES` order."""
    loaded = _loaded(wh)
    if requested:
        if requested not in loaded:
            have = ", ".join(sorted(loaded)) or "none"
            raise InputError(f"register `{requested}` is not loaded; loaded registers: {have} "
                             "(load a register file with `medtrade load FILE`)")
        return requested
    for name in [*REGISTRIES, *sorted(loaded)]:
        if name in loaded:
            return name
    raise InputError("no register is loaded: load one with `medtrade load FILE` (GRLS export, ЖНВЛП reference...) "
                     "or run `medtrade demo`")


def _bases(basis: str) -> tuple[str, ...]:
    if basis not in BASIS_CHOICES:
        raise InputError(f"unknown --basis `{basis}`; valid: {', '.join(BASIS_CHOICES)}")
    return BASIS_CHOICES[basis]


def _by(by: str) -> str:
    if by not in ra.BY:
        raise InputError(f"unknown --by `{by}`; valid: {', '.join(ra.BY)}")
    return by


def _provenance(wh: Warehouse, registry: str, by: str | None = None, *,
                products: int | None = None) -> tuple[list[dict], list[str]]:
    """(sources, notes on register, date and coverage); ``products`` when the caller has counted them."""
    ids = wh.con.execute("SELECT file_id, count(*) FROM registrations WHERE registry = ? AND superseded_by IS NULL"
                         " GROUP BY file_id", [registry]).fetchall()
    rows = wh.con.execute("SELECT file_id, name, sha256, format, release FROM source_files"
                          " WHERE list_contains(?, file_id) ORDER BY file_id", [[i for i, _ in ids]]).fetchall()
    sources = [{"file_id": f, "name": n, "sha256": s, "format": fmt, "dataset": registry, "release": rel}
               for f, n, s, fmt, rel in rows]
    dates = sorted({rel for *_, rel in rows if rel})
    if products is None:
        products = wh.con.execute("SELECT count(DISTINCT product_key) FROM registrations WHERE registry = ?"
                                  " AND superseded_by IS NULL", [registry]).fetchone()[0]
    notes = [f"register: {registry}: {REGISTRIES.get(registry, 'register')}",
             f"as of: {', '.join(dates)}" if dates else "as of: the files state no date",
             f"coverage: {products:,} current products from {len(rows)} file(s)"]
    if by:
        col, basis_col = by, f"{by}_basis"
        stage = "AND stage_kind = 'production'" if by == "manufacturer_country" else ""
        counts = dict(wh.con.execute(
            f"""SELECT coalesce({basis_col}, 'none'), count(DISTINCT product_key) FROM registrations
                WHERE registry = ? AND superseded_by IS NULL {stage} AND {col} IS NOT NULL GROUP BY 1""",
            [registry]).fetchall())
        if counts:
            notes.append(f"{by.replace('_', ' ')}: " + ", ".join(f"{b} for {n:,} products" for b, n in sorted(counts.items())))
        else:
            notes.append(f"{by.replace('_', ' ')}: this register names none")
    return sources, notes


def _rows(expr: ibis.expr.types.Table) -> list[dict]:
    return expr.to_pyarrow().to_pylist()


def _name(code: str | None) -> str | None:
    return countries.name(code) if code else None


def run_share(wh: Warehouse, /, *, by: str = "manufacturer_country", registry: str | None = None,
              basis: str = "stated") -> Result:
    """Products of a register per country of manufacturer or of holder, with shares.

    Examples
    --------
    >>> run_share(wh, by="holder_country").rows[:1]     # doctest: +SKIP
    [{'rank': 1, 'country': 'RUS', 'country_name': 'Russia', 'products': 858, 'share': 0.6258...}]
    """
    by, bases = _by(by), _bases(basis)
    reg = choose_registry(wh, registry)
    t = ra.current(wh.table("registrations"), registry=reg)
    totals = _rows(ra.product_totals(t, by=by, bases=bases))[0]
    total = totals["total_products"]
    unknown = total - totals["known_products"]
    counts = sorted(_rows(ra.country_counts(t, by=by, bases=bases)),
                    key=lambda r: (-r["products"], r["country"], r.get("basis") or ""))
    if unknown:
        counts.append({"country": None, **({"basis": None} if len(bases) > 1 else {}), "products": unknown})
    rows = []
    for i, r in enumerate(counts, start=1):
        r["share"] = r["products"] / total if total else None
        row = {"rank": i if r["country"] else None, "country": r["country"], "country_name": _name(r["country"])
               or "(no country on this basis)"}
        if "basis" in r:
            row["basis"] = r["basis"]
        row |= {"products": r["products"], "share": r["share"]}
        rows.append(row)
    sources, notes = _provenance(wh, reg, products=total)
    notes.append(f"{by.replace('_', ' ')} ({', '.join(bases)}): known for {total - unknown:,} of {total:,} products")
    notes.append("a product made or held in several countries counts once for each; shares can add up to more "
                 "than 100 %" if by == "manufacturer_country" else
                 "share = products of the holder country / all current products of the register")
    if basis == "stated" and not any(r["country"] for r in rows):
        notes.append("no stated countries: this register names none; `--basis inferred` counts inferred ones "
                     "(EAN prefix, address, regulator), reported apart")
    return Result(
        query={"verb": "registry share", "by": by, "registry": reg, "basis": basis},
        definition={"unit": "products (distinct product keys: registration numbers, or product cards where none)",
                    "country": f"{by} ({', '.join(bases)})",
                    "manufacturer": "production stages only (not packaging, release control or substance)"
                    if by == "manufacturer_country" else "holder of the registration"},
        rows=rows, sources=sources, notes=notes, title=f"{reg}: products by {by.replace('_', ' ')}")


def run_companies(wh: Warehouse, /, *, country: str, role: str = "manufacturer", registry: str | None = None,
                  basis: str = "stated", n: int = 20) -> Result:
    """Top companies of a country by number of products in a register."""
    if role not in ROLES:
        raise InputError(f"unknown --role `{role}`; valid: {', '.join(ROLES)}")
    if not isinstance(n, int) or n < 1:
        raise InputError(f"--n must be a whole number of at least 1, not {n!r}")
    iso3, bases = countries.resolve(country), _bases(basis)
    reg = choose_registry(wh, registry)
    t = ra.current(wh.table("registrations"), registry=reg)
    rows = [{"rank": r["rank"], "company": r["company"], "company_key": r["company_key"], "products": r["products"],
             "share_of_country": r["share_of_country"], "spellings": r["spellings"]}
            for r in _rows(ra.companies(t, country=iso3, role=role, bases=bases, n=n))]
    sources, notes = _provenance(wh, reg, f"{role}_country")
    notes.append("companies are grouped by company key (legal forms, quotes, case and alphabet normalised; "
                 "see docs/registry.md); `company` is the most frequent spelling")
    return Result(query={"verb": "registry companies", "country": iso3, "role": role, "registry": reg,
                         "basis": basis, "n": n},
                  definition={"unit": "products", "role": role, "country basis": ", ".join(bases)},
                  rows=rows, sources=sources, notes=notes, title=f"{reg}: top {role}s of {_name(iso3)}")


def run_inn(wh: Warehouse, name: str, /, *, registry: str | None = None) -> Result:
    """Who holds and who makes products of a substance (INN, any part, any case)."""
    if not name or not name.strip():
        raise InputError("give an INN (or part of one), e.g. `registry inn абакавир`")
    reg = choose_registry(wh, registry)
    t = ra.current(wh.table("registrations"), registry=reg)
    rows = [dict(r, country_name=_name(r["country"])) for r in _rows(ra.inn_holders(t, inn=name))]
    sources, notes = _provenance(wh, reg)
    if not rows:
        notes.append(f"no product of `{name}` in {reg}; INNs are matched as written in the register "
                     "(Russian registers write them in Russian)")
    return Result(query={"verb": "registry inn", "inn": name, "registry": reg},
                  definition={"unit": "products", "match": "INN contains the text, case-insensitive"},
                  rows=rows, sources=sources, notes=notes, title=f"{reg}: holders and manufacturers of {name}")


def run_timeline(wh: Warehouse, /, *, country: str, by: str = "manufacturer_country", registry: str | None = None,
                 basis: str = "stated") -> Result:
    """Products first registered per year, the country's and all, where dates exist."""
    iso3, by, bases = countries.resolve(country), _by(by), _bases(basis)
    reg = choose_registry(wh, registry)
    t = ra.current(wh.table("registrations"), registry=reg)
    rows = _rows(ra.timeline(t, country=iso3, by=by, bases=bases))
    sources, notes = _provenance(wh, reg, by)
    dated = wh.con.execute("SELECT count(DISTINCT product_key) FILTER (reg_date IS NOT NULL), count(DISTINCT product_key)"
                           " FROM registrations WHERE registry = ? AND superseded_by IS NULL", [reg]).fetchone()
    notes.append(f"dates: {dated[0]:,} of {dated[1]:,} products have a registration date; the year is the "
                 "earliest date of the product (a re-registration keeps its first date only where the register does)")
    if not dated[0]:
        notes.append(f"{reg} has no registration dates: no timeline (load a register with dates, e.g. the GRLS export)")
    return Result(query={"verb": "registry timeline", "country": iso3, "by": by, "registry": reg, "basis": basis},
                  definition={"unit": "products by year of registration", "country": f"{by} ({', '.join(bases)})"},
                  rows=rows, sources=sources, notes=notes, title=f"{reg}: products of {_name(iso3)} per year")


def run_link(wh: Warehouse, /, *, country: str, importer: str | None = None, registry: str | None = None,
             period: str | None = None, basis: str = "stated", dataset: str | None = None) -> Result:
    """A country's products per therapeutic group in a register, beside its exports by the linked HS codes.

    The importer defaults to the register's country (RUS for Russian registers). Groups
    come from ATC codes, else INN stems (:mod:`medtrade.catalog.atc_hs`); exports are
    the exporter's own statistics for ``period`` (default: the latest loaded).
    """
    iso3, bases = countries.resolve(country), _bases(basis)
    reg = choose_registry(wh, registry)
    imp = countries.resolve(importer) if importer else _home(reg)
    if imp is None:
        raise InputError(f"give --importer: register `{reg}` belongs to no single country")
    t = ra.current(wh.table("registrations"), registry=reg)
    products = t.select("product_key", "atc", "inn").distinct().to_pyarrow().to_pylist()
    found: dict[str, dict] = {}
    assigned = []
    basis_count = {"atc": 0, "inn-stem": 0}
    for p in products:
        g = atc_hs.group_for(atc=p["atc"], inn=p["inn"])
        if g is not None:
            found[g["atc"]] = g
            assigned.append({"product_key": p["product_key"], "group": g["atc"]})
            basis_count[g["basis"]] += 1
    groups = ibis.memtable(assigned or [{"product_key": "", "group": ""}],
                           schema={"product_key": "string", "group": "string"})
    per = [r for r in _rows(ra.products_by_group(t, groups, country=iso3, bases=bases)) if r["group"]]
    exports, trade_notes, trade_sources = _exports(wh, iso3, imp, found, period, dataset)
    rows = []
    for r in per:
        g = found[r["group"]]
        rows.append({"atc": r["group"], "group": g["group_name"], "products": r["products"],
                     "all_products": r["all_products"], "share": r["share"],
                     "hs_medicine": ", ".join(g["hs_medicine"]), "exports_medicine_usd_mn": exports.get((r["group"], "m")),
                     "hs_substance": ", ".join(c for c in g["hs_substance"] if len(c) >= 4),
                     "exports_substance_usd_mn": exports.get((r["group"], "s"))})
    sources, notes = _provenance(wh, reg, "manufacturer_country")
    notes.append(f"groups: {basis_count['atc']:,} products by ATC code, {basis_count['inn-stem']:,} by INN stem; "
                 f"{len(products) - len(assigned):,} products match no group and are left out")
    notes.append("HS 3004.90 (other medicaments) is linked to many groups: its export value repeats on each such row "
                 "and must not be summed; 2-digit defaults (ch. 29) are too broad to link and show no value")
    notes += trade_notes
    return Result(query={"verb": "registry link", "country": iso3, "importer": imp, "registry": reg,
                         "period": period, "basis": basis},
                  definition={"products": f"{iso3}-made products (manufacturer country, {', '.join(bases)}) per group",
                              "exports": f"{iso3} exports to {imp}, US$ million, by the group's HS codes (HS 2022)",
                              "link": "medtrade/catalog/data/atc_hs.csv"},
                  rows=rows, sources=sources + trade_sources, notes=notes,
                  title=f"{reg}: {_name(iso3)} products by group and exports to {_name(imp)}")


def _home(registry: str) -> str | None:
    return {"ru": "RUS", "kz": "KAZ", "in": "IND", "us": "USA"}.get(registry.split("-", 1)[0])


def _exports(wh: Warehouse, exporter: str, importer: str, found: dict[str, dict], period: str | None,
             dataset: str | None) -> tuple[dict[tuple[str, str], float], list[str], list[dict]]:
    """US$ million of exporter -> importer per (group, m|s) by the linked HS codes."""
    from medtrade.analysis import flows as fl
    from medtrade.catalog.segments import Segment
    from medtrade.verbs.common import sources_of

    have = available(wh, reporter=exporter, flow="export", partners=[importer])
    if not have:
        return {}, [f"trade: no loaded exports of {exporter} to {importer}; load trade files to see the link"], []
    chosen = choose_dataset(have, time_key=None, requested=dataset, what=f"{exporter} exports to {importer}")
    base = wh.table("trade_flows")
    if period:
        within = parse_period(period)
    else:
        latest = wh.con.execute(
            "SELECT period_type, period FROM trade_flows WHERE dataset = ? AND reporter = ? AND flow = 'export'"
            " AND partner = ? AND superseded_by IS NULL AND period_type <> 'month'"
            " ORDER BY period_end DESC LIMIT 1", [chosen, exporter, importer]).fetchone()
        if latest is None:
            return {}, [f"trade: {chosen} has only monthly {exporter} exports to {importer}; give --period"], []
        within = parse_period(latest[1])
    sel = fl.select(base, dataset=chosen, reporter=exporter, flow="export", partners=[importer], within=within)
    out: dict[tuple[str, str], float] = {}
    for atc, g in found.items():
        for side, codes in (("m", g["hs_medicine"]), ("s", tuple(c for c in g["hs_substance"] if len(c) >= 4))):
            if not codes:
                continue
            seg = Segment(f"atc-{atc}", "1", atc, "", include=codes)
            value = sel.filter(seg.ibis_predicate(sel.product_code)).value_usd.sum().execute()
            # No matching rows sums to NULL/NaN: that is no exports under these codes, 0.
            out[(atc, side)] = 0.0 if value is None or math.isnan(value) else round(float(value) / 1e6, 3)
    notes = [f"trade: {exporter} exports to {importer} in {within.label}, dataset {chosen} (as {exporter} reports them)"]
    return out, notes, sources_of(wh, sel)
