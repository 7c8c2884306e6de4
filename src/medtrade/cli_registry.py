"""`medtrade registry ...`: register analytics from the command line (a thin layer over verbs.registry)."""

from __future__ import annotations

from typing import Annotated

import typer

from medtrade.cli_common import FormatOpt, WarehouseOpt, answer, user_errors


registry_app = typer.Typer(
    help="Drug and device registers: products by country of manufacturer or holder, companies, substances, "
         "years, and the link to trade.",
    no_args_is_help=True,
)

RegistryOpt = Annotated[str | None, typer.Option(
    "--registry", help="Register to count (ru-grls, ru-grls-sample, ru-zhnvlp, ...) [default: the first loaded]")]
BasisOpt = Annotated[str, typer.Option(
    help="Countries to count: stated (by the register), inferred (EAN prefix, address, regulator) or any")]
ByOpt = Annotated[str, typer.Option("--by", help="manufacturer_country or holder_country")]
CountryOpt = Annotated[str, typer.Option(help="Country (ISO3 or any known name)")]


@registry_app.command("share")
@user_errors
def share(by: ByOpt = "manufacturer_country", registry: RegistryOpt = None, basis: BasisOpt = "stated",
          warehouse: WarehouseOpt = None, fmt: FormatOpt = "table") -> None:
    """Products per country of manufacturer or holder, with shares, register date and coverage."""
    from medtrade.verbs.registry import run_share

    answer(warehouse, fmt, lambda wh: run_share(wh, by=by, registry=registry, basis=basis))


@registry_app.command("companies")
@user_errors
def companies(country: CountryOpt,
              role: Annotated[str, typer.Option(help="manufacturer or holder")] = "manufacturer",
              n: Annotated[int, typer.Option("--n", help="How many companies", min=1, max=1000)] = 20,
              registry: RegistryOpt = None, basis: BasisOpt = "stated",
              warehouse: WarehouseOpt = None, fmt: FormatOpt = "table") -> None:
    """Top companies of a country by number of products (names grouped by company key)."""
    from medtrade.verbs.registry import run_companies

    answer(warehouse, fmt, lambda wh: run_companies(wh, country=country, role=role, registry=registry,
                                                    basis=basis, n=n))


@registry_app.command("inn")
@user_errors
def inn(name: Annotated[str, typer.Argument(help="INN or part of it, as the register writes it (e.g. абакавир)")],
        registry: RegistryOpt = None, warehouse: WarehouseOpt = None, fmt: FormatOpt = "table") -> None:
    """Who holds and who makes products of a substance."""
    from medtrade.verbs.registry import run_inn

    answer(warehouse, fmt, lambda wh: run_inn(wh, name, registry=registry))


@registry_app.command("timeline")
@user_errors
def timeline(country: CountryOpt, by: ByOpt = "manufacturer_country", registry: RegistryOpt = None,
             basis: BasisOpt = "stated", warehouse: WarehouseOpt = None, fmt: FormatOpt = "table") -> None:
    """A country's products per year of registration, beside all products, where dates exist."""
    from medtrade.verbs.registry import run_timeline

    answer(warehouse, fmt, lambda wh: run_timeline(wh, country=country, by=by, registry=registry, basis=basis))


@registry_app.command("link")
@user_errors
def link(country: CountryOpt,
         importer: Annotated[str | None, typer.Option(help="Registering country [default: the register's]")] = None,
         period: Annotated[str | None, typer.Option(help="Trade period, e.g. FY2022-23 [default: latest]")] = None,
         dataset: Annotated[str | None, typer.Option(help="Trade dataset (in-eidb, comtrade...)")] = None,
         registry: RegistryOpt = None, basis: BasisOpt = "stated",
         warehouse: WarehouseOpt = None, fmt: FormatOpt = "table") -> None:
    """A country's products per therapeutic group beside its exports to the registering country (ATC -> HS)."""
    from medtrade.verbs.registry import run_link

    answer(warehouse, fmt, lambda wh: run_link(wh, country=country, importer=importer, registry=registry,
                                               period=period, basis=basis, dataset=dataset))
