"""Closed vocabularies used across stages, in one place."""

from __future__ import annotations

from typing import Literal

Flow = Literal["export", "import", "re-export", "re-import"]
PeriodType = Literal["fy", "year", "month"]
By = Literal["fy", "year", "month", "hs2", "hs4", "hs6", "product", "partner"]
Unit = Literal["usd", "usd_mn", "inr_crore", "inr_lakh", "rub"]
Measure = Literal["value", "quantity", "net_weight_kg"]
ReporterSide = Literal["exporter", "importer"]
OutputFormat = Literal["table", "json", "csv"]
Nomenclature = Literal["HS", "ITC-HS", "TNVED"]
# Datasets: a publisher's series. Rows of different datasets describing the same flow are never summed.
Dataset = Literal["in-eidb", "in-monthly", "ru-fts", "comtrade", "baci"]

DATASETS: tuple[str, ...] = ("in-eidb", "in-monthly", "ru-fts", "comtrade", "baci")
UNITS: tuple[str, ...] = ("usd", "usd_mn", "inr_crore", "inr_lakh", "rub")
