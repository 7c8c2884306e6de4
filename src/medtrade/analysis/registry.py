"""Registry analytics over the ``registrations`` table. Ibis in, Ibis out; the caller executes.

The unit counted is the *product*: a distinct ``product_key`` of one register (a
registration certificate where the register has numbers, a product card otherwise).
A product's manufacturer countries are those of its production stages
(``stage_kind = 'production'``); packaging, release and substance sites do not make
it. A product made in several countries counts once for each, so country shares can
add up to more than 100 %; the denominator is every current product of the register.

Countries have a basis (``stated``, ``inferred-ean``, ``inferred-address``,
``inferred-regulator``); every function takes the bases to count and never mixes
them unless asked (``bases`` with several values keeps ``basis`` as a column).

Examples
--------
>>> t = current(wh.table("registrations"), registry="ru-grls-sample")      # doctest: +SKIP
>>> country_shares(t, by="manufacturer_country").to_pyarrow()              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import ibis
import ibis.expr.types as ir

__all__ = ["BY", "companies", "country_counts", "country_shares", "current", "inn_holders", "product_totals",
           "products_by_group", "timeline"]

By = Literal["manufacturer_country", "holder_country"]
BY: tuple[str, ...] = ("manufacturer_country", "holder_country")


def current(t: ir.Table, /, *, registry: str | Sequence[str]) -> ir.Table:
    """Rows of the register(s) not superseded by a later release."""
    names = [registry] if isinstance(registry, str) else list(registry)
    return t.filter(t.registry.isin(names), t.superseded_by.isnull())


def _side(t: ir.Table, by: str) -> tuple[ir.Table, str, str, str]:
    """(rows that carry this side's country, country column, basis column, company prefix)."""
    if by == "manufacturer_country":
        return t.filter(t.stage_kind == "production"), "manufacturer_country", "manufacturer_country_basis", "manufacturer"
    if by == "holder_country":
        return t, "holder_country", "holder_country_basis", "holder"
    raise ValueError(f"by must be one of {BY}, not {by!r}")


def country_counts(t: ir.Table, /, *, by: str = "manufacturer_country", bases: Sequence[str] = ("stated",)) -> ir.Table:
    """Products per country (``country, [basis,] products``); see :func:`country_shares`."""
    rows, col, basis_col, _ = _side(t, by)
    sel = rows.filter(rows[basis_col].isin(list(bases)), rows[col].notnull())
    keys = [sel[col].name("country")] + ([sel[basis_col].name("basis")] if len(bases) > 1 else [])
    return sel.group_by(keys).aggregate(products=sel.product_key.nunique())


def product_totals(t: ir.Table, /, *, by: str = "manufacturer_country", bases: Sequence[str] = ("stated",)) -> ir.Table:
    """One row: ``total_products`` of the register, ``known_products`` with a country on these bases."""
    _, col, basis_col, _ = _side(t, by)
    known = t[col].notnull() & t[basis_col].isin(list(bases))
    if by == "manufacturer_country":
        known = known & (t.stage_kind == "production")
    # One hash aggregation by product (cheaper than two COUNT DISTINCTs over the same rows).
    flagged = t.mutate(_known=known)
    per = flagged.group_by("product_key").aggregate(known=flagged._known.any())
    return per.aggregate(total_products=per.count(), known_products=per.known.cast("int64").sum().fill_null(0))


def country_shares(t: ir.Table, /, *, by: str = "manufacturer_country", bases: Sequence[str] = ("stated",)) -> ir.Table:
    """Products per country and their share of all the register's products.

    Returns ``country, [basis,] products, total_products, share`` (``country`` NULL: the
    products with no country on these bases), largest first. Verbs that also need the
    totals execute :func:`country_counts` and :func:`product_totals` apart (each scans once).
    """
    per = country_counts(t, by=by, bases=bases)
    totals = product_totals(t, by=by, bases=bases)
    unknown = totals.mutate(products=totals.total_products - totals.known_products, country=ibis.null("string"),
                            **({"basis": ibis.null("string")} if "basis" in per.columns else {}))
    both = ibis.union(per, unknown.select(per.columns))
    out = both.cross_join(totals.select("total_products"))
    out = out.filter(out.products > 0)
    return out.mutate(share=out.products / out.total_products).order_by(
        [out.country.isnull(), ibis.desc("products"), "country"])


def companies(t: ir.Table, /, *, country: str, role: str = "manufacturer", bases: Sequence[str] = ("stated",),
              n: int = 20) -> ir.Table:
    """Top companies of a country by number of products, as manufacturer or as holder.

    One row per company key: the most frequent spelling, products, share of the
    country's products in this role, rank.
    """
    rows, col, basis_col, prefix = _side(t, f"{role}_country")
    sel = rows.filter(rows[col] == country, rows[basis_col].isin(list(bases)), rows[f"{prefix}_key"].notnull())
    key, name = sel[f"{prefix}_key"], sel[prefix]
    per = sel.group_by(key.name("company_key")).aggregate(
        company=name.mode(), products=sel.product_key.nunique(), spellings=name.nunique())
    country_total = sel.aggregate(country_products=sel.product_key.nunique())
    out = per.cross_join(country_total)
    out = out.mutate(share_of_country=out.products / out.country_products,
                     rank=ibis.rank().over(order_by=ibis.desc(out.products)) + 1)
    return out.order_by([ibis.desc("products"), "company_key"]).limit(n)


def inn_holders(t: ir.Table, /, *, inn: str) -> ir.Table:
    """Who holds and who makes products of a substance (INN contains ``inn``, any case).

    Returns ``role, company, company_key, country, basis, products, trade_names``.
    """
    sel = t.filter(t.inn.lower().contains(inn.strip().lower()))
    holders = sel.filter(sel.holder_key.notnull()).group_by(
        company_key=sel.holder_key, country=sel.holder_country, basis=sel.holder_country_basis).aggregate(
        company=sel.holder.mode(), products=sel.product_key.nunique(), trade_names=sel.trade_name.nunique())
    made = sel.filter(sel.stage_kind == "production", sel.manufacturer_key.notnull())
    makers = made.group_by(company_key=made.manufacturer_key, country=made.manufacturer_country,
                           basis=made.manufacturer_country_basis).aggregate(
        company=made.manufacturer.mode(), products=made.product_key.nunique(),
        trade_names=made.trade_name.nunique())
    cols = ["role", "company", "company_key", "country", "basis", "products", "trade_names"]
    out = ibis.union(holders.mutate(role=ibis.literal("holder")).select(cols),
                     makers.mutate(role=ibis.literal("manufacturer")).select(cols))
    return out.order_by(["role", ibis.desc("products"), "company_key"])


def timeline(t: ir.Table, /, *, country: str, by: str = "manufacturer_country",
             bases: Sequence[str] = ("stated",)) -> ir.Table:
    """Products first registered per year: the country's, all, and the country's share.

    Only products with a registration date count (the earliest date of the product).
    Returns ``year, products, all_products, share``.
    """
    dated = t.filter(t.reg_date.notnull())
    first = dated.group_by("product_key").aggregate(year=dated.reg_date.min().year())
    return _share_per(first, _products_of(dated, country=country, by=by, bases=bases), "year").order_by("year")


def products_by_group(t: ir.Table, groups: ir.Table, /, *, country: str, by: str = "manufacturer_country",
                      bases: Sequence[str] = ("stated",)) -> ir.Table:
    """A country's products per therapeutic group, beside all products of the group.

    ``groups`` maps ``product_key`` to ``group`` (from the ATC code, or the INN stem;
    see :mod:`medtrade.catalog.atc_hs`). Returns ``group, products, all_products, share``.
    """
    g = groups.select("product_key", "group").distinct()
    out = _share_per(g, _products_of(t, country=country, by=by, bases=bases), "group")
    return out.order_by([ibis.desc("products"), "group"])


def _products_of(t: ir.Table, /, *, country: str, by: str, bases: Sequence[str]) -> ir.Table:
    """The product keys with ``country`` on the ``by`` side, on one of the ``bases``."""
    rows, col, basis_col, _ = _side(t, by)
    return rows.filter(rows[col] == country, rows[basis_col].isin(list(bases))).select("product_key").distinct()


def _share_per(keyed: ir.Table, theirs: ir.Table, key: str, /) -> ir.Table:
    """Per ``key`` of ``keyed`` (product_key, key): the products in ``theirs`` beside all products, and the share."""
    all_per = keyed.group_by(key).aggregate(all_products=keyed.product_key.nunique())
    mine = keyed.semi_join(theirs, "product_key")
    mine_per = mine.group_by(key).aggregate(products=mine.product_key.nunique())
    out = all_per.left_join(mine_per, key).select(all_per[key], all_per.all_products, mine_per.products)
    out = out.mutate(products=out.products.fill_null(0))
    return out.mutate(share=out.products / out.all_products).select(key, "products", "all_products", "share")
