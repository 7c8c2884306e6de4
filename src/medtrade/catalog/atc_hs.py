"""ATC groups to HS headings: the link between registers and trade statistics.

``data/atc_hs.csv`` lists, per ATC group (level 1 to 5 prefix), the HS headings of the
substances (APIs) and of the finished medicines, with the rationale, e.g. J01
antibacterials -> 2941 antibiotics / 3004.10, 3004.20. Codes are HS 2022 (without
dots). A product is placed in a group by its ATC code when the register states one
(basis ``atc``), else by the WHO INN stem of its substance (basis ``inn-stem``:
``-cillin``, ``-мицин``, ``-vir``, ``-mab``...), the longest matching ATC prefix first.
A product matched by nothing has no group.

Examples
--------
>>> group_for(atc="J01CA04")["atc"], group_for(inn="Амоксициллин+Клавулановая кислота")["atc"]
('J01', 'J01')
>>> group_for(inn="Абакавир")["hs_medicine"]
('300490',)
"""

from __future__ import annotations

import csv
import functools
import re
from importlib import resources

__all__ = ["group_for", "groups"]


@functools.cache
def groups() -> tuple[dict, ...]:
    """Rows of ``atc_hs.csv``, most specific ATC prefix first; code lists are tuples."""
    text = resources.files("medtrade.catalog").joinpath("data", "atc_hs.csv").read_text("utf-8")
    rows = []
    for row in csv.DictReader(text.splitlines()):
        for col in ("hs_substance", "hs_medicine", "inn_stems_en", "inn_stems_ru"):
            row[col] = tuple(v.strip() for v in row[col].split("|") if v.strip())
        rows.append(row)
    return tuple(sorted(rows, key=lambda r: -len(r["atc"])))


def _stem_matches(stem: str, word: str) -> bool:
    if stem.startswith("-"):
        return word.endswith(stem[1:])
    if stem.endswith("-"):
        return word.startswith(stem[:-1])
    return stem in word


def group_for(*, atc: str | None = None, inn: str | None = None) -> dict | None:
    """The group row (with ``basis``: ``atc`` or ``inn-stem``) for an ATC code or an INN; ``None`` if none fits."""
    if atc:
        code = atc.strip().upper()
        for row in groups():
            if code.startswith(row["atc"]):
                return {**row, "basis": "atc"}
    if inn:
        words = [w for w in re.split(r"[^\w]+", inn.casefold()) if len(w) > 3]
        for row in groups():
            stems = row["inn_stems_en"] + row["inn_stems_ru"]
            if any(_stem_matches(stem, word) for stem in stems for word in words):
                return {**row, "basis": "inn-stem"}
    return None
