"""Request and response models of the HTTP API: closed vocabularies, bounded values, no extra fields.

Every parameter is a query parameter named as the CLI option (``--of-group`` is
``of_group``). A value that no model accepts is a 422 before any verb runs; a value
the models accept but the catalogs or the data refuse (an unknown country, a period
not loaded) is a 400 from the verb's :class:`~medtrade.errors.MedtradeError`. No
parameter can name a file: segments are presets or HS code prefixes only, never the
YAML path the CLI also accepts.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from medtrade._typing import Dataset, Measure, PeriodType, ReporterSide, Unit
from medtrade.catalog.segments import presets

# A country: ISO3 or a name in any known spelling ("U S A", "Индия"); resolved by the catalog.
Country = Annotated[str, StringConstraints(min_length=2, max_length=60, pattern=r"^[^\x00-\x1f/\\]+$")]
Period = Annotated[str, StringConstraints(max_length=10, pattern=r"^(?:[Ff][Yy] ?\d{4}-(?:\d{2}|\d{4})|\d{4}|\d{4}-\d{2})$")]
PeriodOrDay = Annotated[str, StringConstraints(
    max_length=10, pattern=r"^(?:[Ff][Yy] ?\d{4}-(?:\d{2}|\d{4})|\d{4}|\d{4}-\d{2}|\d{4}-\d{2}-\d{2})$")]
PRESETS: tuple[str, ...] = tuple(sorted(seg.name for seg in presets()))
# A preset name or an HS code prefix of 2-10 digits (as `medtrade --segment 3004`).
Segment = Annotated[str, StringConstraints(max_length=30, pattern=rf"^(?:{'|'.join(PRESETS)}|[0-9]{{2,10}})$")]
ByKeys = Annotated[str, StringConstraints(
    max_length=40, pattern=r"^(?:fy|year|month|hs2|hs4|hs6|product|partner)(?:,(?:fy|year|month|hs2|hs4|hs6|product|partner)){0,3}$")]
Peers = Annotated[str, StringConstraints(max_length=200, pattern=r"^[A-Za-z]{3}(?:,[A-Za-z]{3}){0,29}$")]
Group = Annotated[str, StringConstraints(min_length=2, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")]
# The CLI's closed vocabularies (medtrade._typing): Unit, Measure, Reporter, Dataset, TimeBy.
Reporter = ReporterSide
TimeBy = PeriodType
Format = Literal["json", "csv", "xlsx"]
Registry = Literal["ru-grls", "ru-grls-sample", "ru-zhnvlp", "ru-price-monitor"]

def _whole_number(value: object) -> object:
    # Pydantic's lax mode would take "10.0", " 10" or "010" for 10: a count is plain digits.
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,4}", value):
        raise ValueError("a whole number written with digits only, e.g. 10")
    return value


Count = Annotated[int, BeforeValidator(_whole_number)]

# The largest answer the API returns; longer answers are cut with a note (ask a narrower question).
MAX_ROWS = 5000


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Format = Field("json", description="json (the Result object), csv (rows) or xlsx (rows + definition)")


class FlowsQuery(_Query):
    """`medtrade flows`: trade between two countries in a segment, over time or by product."""

    exporter: Country
    importer: Country | None = None
    segment: Segment = "pharma"
    by: ByKeys = "fy"
    unit: Unit = "usd_mn"
    measure: Measure = "value"
    reporter: Reporter = "exporter"
    dataset: Dataset | None = None
    period: Period | None = None


class TopQuery(_Query):
    """`medtrade top`: top destinations of an exporter, or suppliers of an importer."""

    period: Period
    exporter: Country | None = None
    importer: Country | None = None
    segment: Segment = "pharma"
    n: Count = Field(10, ge=1, le=500)
    measure: Measure = "value"
    unit: Unit = "usd_mn"
    dataset: Dataset | None = None


class ShareQuery(_Query):
    """`medtrade share`: a partner's share of an exporter's total or of a group's."""

    exporter: Country
    partner: Country
    period: Period
    of_group: Group | None = None
    segment: Segment = "pharma"
    measure: Measure = "value"
    unit: Unit = "usd_mn"
    dataset: Dataset | None = None


class GrowthQuery(_Query):
    """`medtrade growth`: year-on-year change and CAGR."""

    exporter: Country
    importer: Country | None = None
    segment: Segment = "pharma"
    by: TimeBy = "fy"
    start: Period | None = None
    end: Period | None = None
    unit: Unit = "usd_mn"
    reporter: Reporter = "exporter"
    dataset: Dataset | None = None


class DriversQuery(_Query):
    """`medtrade drivers`: each product's contribution to a change."""

    exporter: Country
    start: Period
    end: Period
    importer: Country | None = None
    segment: Segment = "pharma"
    level: Literal["hs4", "hs6", "product"] = "hs4"
    unit: Unit = "usd_mn"
    reporter: Reporter = "exporter"
    dataset: Dataset | None = None


class ConcentrationQuery(_Query):
    """`medtrade concentration`: HHI and top-N share per period."""

    exporter: Country | None = None
    importer: Country | None = None
    segment: Segment = "pharma"
    by: TimeBy = "fy"
    n: Count = Field(5, ge=1, le=100)
    period: Period | None = None
    unit: Unit = "usd_mn"
    dataset: Dataset | None = None


class MirrorQuery(_Query):
    """`medtrade mirror`: exporter's exports vs importer's imports."""

    exporter: Country
    importer: Country
    period: Period
    segment: Segment = "pharma"
    level: Literal["hs6", "hs4", "hs2"] = "hs6"
    unit: Unit = "usd_mn"


class PotentialQuery(_Query):
    """`medtrade potential`: products with room to grow in a target market."""

    exporter: Country
    target: Country
    period: Period
    segment: Segment = "medical_devices"
    level: Literal["hs4", "hs6", "product"] = "hs6"
    n: Count = Field(20, ge=1, le=500)
    peers: Peers | None = None
    dataset: Dataset | None = None


class RegistryShareQuery(_Query):
    """`medtrade registry share`: products of a register per country, with shares."""

    by: Literal["manufacturer_country", "holder_country"] = "manufacturer_country"
    registry: Registry | None = None
    basis: Literal["stated", "inferred", "any"] = "stated"


class EventsQuery(_Query):
    """`medtrade events list`: the corridor's timeline (agreements, MoUs, plants, shipments, sanctions)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    exporter: Country | None = None
    importer: Country | None = None
    start: PeriodOrDay | None = Field(None, alias="from", description="From this date or period (2022, FY2022-23, 2022-06-01)")
    end: PeriodOrDay | None = Field(None, alias="to", description="To this date or period")
    kind: Literal["agreement", "mou", "plant", "working_group", "shipment", "sanction", "regulation"] | None = None


class SourcesQuery(_Query):
    """`medtrade sources`: loaded files with their counts."""


class ResultOut(BaseModel):
    """A verb's answer, as ``medtrade <verb> --format json`` prints it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    query: dict[str, Any] = Field(description="the verb and its arguments as given")
    definition: dict[str, Any] = Field(description="what the numbers mean: segment codes, unit, period type, dataset")
    rows: list[dict[str, Any]]
    sources: list[dict[str, Any]] = Field(description="the files behind the rows: name, sha256, dataset, format")
    notes: list[str] = Field(description="caveats a reader must see")


class ErrorOut(BaseModel):
    """A refused question: one line naming the bad value and what would be valid."""

    model_config = ConfigDict(extra="forbid", strict=True)

    detail: str


class Option(BaseModel):
    """A value a dashboard control offers."""

    model_config = ConfigDict(extra="forbid", strict=True)

    code: str
    name: str


class OptionsOut(BaseModel):
    """What the dashboard can ask: exporters, their partners, segments and periods in the data."""

    model_config = ConfigDict(extra="forbid", strict=True)

    exporters: list[Option]
    partners: dict[str, list[Option]]
    segments: list[Option]
    fiscal_years: list[str]
    snapshot: dict[str, Any]
