"""UN Comtrade API v1: split a request into calls within the key's limits, fetch, cache, load.

Endpoint ``GET {base}/C/{A|M}/HS?reporterCode=&partnerCode=&flowCode=&cmdCode=&period=``
with the key in the ``Ocp-Apim-Subscription-Key`` header (base
``https://comtradeapi.un.org/data/v1/get``; ``--base-url`` or ``$MEDTRADE_COMTRADE_URL``).
Limits assumed (docs/fetch.md gives the sources; ``--records-per-call`` and
``--calls-per-day`` override them):

========  ================  =============  ================
key       records per call  calls per day  periods per call
========  ================  =============  ================
free      100,000           500            12
premium   250,000           10,000         12
========  ================  =============  ================

Splitting: a call returns at most one record per reporter x partner x flow x code x
period, so the planner counts that product (about 250 partner areas for ``--partner
all``) and groups periods (at most 12) and codes so that each call stays under the
record cap. An answer that still reaches the cap may be cut short by the API: that
chunk is split in two (codes, then periods, flows, reporters) and fetched again, so no
record is lost silently. Every answer is cached by request, its HS editions
(``classificationCode``, ``isOriginalClassification``) are recorded in the job file, and
the answer file itself (the API's JSON as received) is what
:mod:`medtrade.sources.comtrade_json` loads.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from medtrade.catalog import countries
from medtrade.errors import CatalogError, InputError, MedtradeError
from medtrade.fetch.cache import ResponseCache, atomic_write, request_key
from medtrade.fetch.errors import (
    AuthError,
    FetchError,
    MalformedResponseError,
    QuotaError,
)
from medtrade.fetch.http import CallBudget, Client, RetryPolicy
from medtrade.fetch.jobs import Chunk, Job

if TYPE_CHECKING:
    from medtrade.warehouse.store import Warehouse

__all__ = ["LIMITS", "ComtradeRequest", "FetchReport", "Limits", "base_url", "fetch", "parse_request", "plan"]

DEFAULT_URL = "https://comtradeapi.un.org/data/v1/get"
URL_ENV = "MEDTRADE_COMTRADE_URL"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
#: Partner areas one reporter reports in a year, for the record estimate of ``--partner all``
#: (Comtrade's partner list has 310 codes, historical ones included; a year has about 250).
PARTNERS_ALL = 250
Freq = Literal["A", "M"]
_FLOWS = {"import": "M", "export": "X", "re-import": "RM", "re-export": "RX",
          "m": "M", "x": "X", "rm": "RM", "rx": "RX"}
_REPLENISHED = re.compile(r"replenished in (?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """What one key may do: records per call, calls per day, periods per call, codes per call."""

    name: str
    records_per_call: int
    calls_per_day: int
    periods_per_call: int = 12
    codes_per_call: int = 50  # keeps the URL short; the API caps its length, not this count


LIMITS: dict[str, Limits] = {
    "free": Limits("free", records_per_call=100_000, calls_per_day=500),
    "premium": Limits("premium", records_per_call=250_000, calls_per_day=10_000),
}


def base_url(explicit: str | None = None, /) -> str:
    """``--base-url``, else ``$MEDTRADE_COMTRADE_URL``, else the public API."""
    return (explicit or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")


# ---------------------------------------------------------------------------- the request
@dataclass(frozen=True)
class ComtradeRequest:
    """A normalised request: Comtrade area codes, flow codes, HS codes, period labels."""

    reporters: tuple[str, ...]
    partners: tuple[str, ...] | None  # None: all partners
    flows: tuple[str, ...]
    codes: tuple[str, ...]
    periods: tuple[str, ...]
    freq: Freq = "A"

    def spec(self) -> dict[str, object]:
        """JSON-able form (identifies the job)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class _Area:
    code: str
    iso3: str


def _current_codes() -> dict[str, str]:
    """ISO3 -> the Comtrade area code in use today (699 India, 842 USA, 251 France...)."""
    text = resources.files("medtrade.catalog").joinpath("data/comtrade_areas.csv").read_text("utf-8")
    return {row["iso3"]: row["code"] for row in csv.DictReader(text.splitlines())
            if "(..." not in row["comtrade_name"] and row["iso3"] not in ("XXX", "WLD")}


def area_code(value: str, /, *, option: str) -> str:
    """Comtrade area code for an ISO3 code, a country name or a numeric code."""
    text = value.strip()
    if text.isdigit():
        countries.from_comtrade_code(text)  # refuses an unknown code with a clear line
        return str(int(text))
    try:
        iso3 = countries.resolve(text)
    except CatalogError as exc:
        raise InputError(f"{option} `{value}`: {exc}") from None
    code = _current_codes().get(iso3) or (str(countries.m49(iso3)) if countries.m49(iso3) else None)
    if code is None:
        raise InputError(f"{option} `{value}` ({iso3}) has no Comtrade area code; give the numeric code")
    return code


def parse_hs(text: str, /) -> tuple[str, ...]:
    """``30,2941,9018-9022`` -> ('30', '2941', '9018', '9019', '9020', '9021', '9022')."""
    codes: list[str] = []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        if token.upper() == "TOTAL":
            codes.append("TOTAL")
            continue
        low, _, high = token.partition("-")
        high = high or low
        if not (low.isdigit() and high.isdigit() and len(low) == len(high) and len(low) in (2, 4, 6)
                and int(low) <= int(high)):
            raise InputError(f"--hs `{token}` is not valid: use HS codes of 2, 4 or 6 digits, "
                             "ranges of equal length (9018-9022) or TOTAL, separated by commas")
        codes.extend(f"{n:0{len(low)}d}" for n in range(int(low), int(high) + 1))
    if not codes:
        raise InputError("--hs is empty: give HS codes such as 30,2941,9018-9022")
    return tuple(dict.fromkeys(codes))


def parse_periods(text: str, /, *, freq: Freq) -> tuple[str, ...]:
    """Years (``2019-2023``, ``2019,2021``) or, with ``freq="M"``, their months or ``2019-01:2019-06``."""
    out: list[str] = []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        if m := re.fullmatch(r"(\d{4})(?:-(\d{4}))?", token):
            first, last = int(m.group(1)), int(m.group(2) or m.group(1))
            if not 1962 <= first <= last <= 2100:
                raise InputError(f"--period `{token}`: years from 1962 on, first before last (e.g. 2019-2023)")
            years = range(first, last + 1)
            out.extend(str(y) for y in years) if freq == "A" else out.extend(
                f"{y}{mo:02d}" for y in years for mo in range(1, 13))
        elif freq == "M" and (m := re.fullmatch(r"(\d{4})-?(\d{2})(?::(\d{4})-?(\d{2}))?", token)):
            start = int(m.group(1)) * 12 + int(m.group(2)) - 1
            end = int(m.group(3) or m.group(1)) * 12 + int(m.group(4) or m.group(2)) - 1
            if not (1 <= int(m.group(2)) <= 12 and start <= end):
                raise InputError(f"--period `{token}`: months as YYYY-MM or YYYY-MM:YYYY-MM, first before last")
            out.extend(f"{n // 12}{n % 12 + 1:02d}" for n in range(start, end + 1))
        else:
            months = ", months 2019-01 or 2019-01:2019-06" if freq == "M" else ""
            raise InputError(f"--period `{token}` is not valid: use years such as 2019-2023 or 2021{months}")
    if not out:
        raise InputError("--period is empty: give years such as 2019-2023")
    return tuple(dict.fromkeys(out))


def parse_request(*, reporter: str, partner: str, flow: str, hs: str, period: str, freq: str) -> ComtradeRequest:
    """Check and normalise the CLI options into a :class:`ComtradeRequest`."""
    f = freq.strip().upper()
    if f not in ("A", "M"):
        raise InputError(f"--freq `{freq}` is not valid: A (annual) or M (monthly)")
    reporters = tuple(dict.fromkeys(area_code(r, option="--reporter") for r in reporter.split(",") if r.strip()))
    if not reporters:
        raise InputError("--reporter is empty: give a country such as RUS")
    partners = None if partner.strip().lower() in ("all", "") else tuple(
        dict.fromkeys(area_code(p, option="--partner") if p.strip() != "0" else "0" for p in partner.split(",")))
    flows: list[str] = []
    for token in (t.strip().lower() for t in flow.split(",")):
        if token == "all":
            flows.extend(("M", "X", "RM", "RX"))
        elif token in _FLOWS:
            flows.append(_FLOWS[token])
        else:
            raise InputError(f"--flow `{token}` is not valid: import, export, re-import, re-export or all")
    return ComtradeRequest(reporters, partners, tuple(dict.fromkeys(flows)), parse_hs(hs),
                           parse_periods(period, freq=f), f)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- planning
def _groups(items: tuple[str, ...], size: int) -> list[tuple[str, ...]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def estimate(request: ComtradeRequest, reporters: tuple[str, ...], codes: tuple[str, ...],
             periods: tuple[str, ...]) -> int:
    """Most records one call can return: reporters x partners x flows x codes x periods."""
    partners = len(request.partners) if request.partners else PARTNERS_ALL
    return len(reporters) * partners * len(request.flows) * len(codes) * len(periods)


def _chunk(url: str, request: ComtradeRequest, limits: Limits, reporters: tuple[str, ...],
           codes: tuple[str, ...], periods: tuple[str, ...], flows: tuple[str, ...] | None = None) -> Chunk:
    params = {"reporterCode": ",".join(reporters), "period": ",".join(periods), "cmdCode": ",".join(codes),
              "flowCode": ",".join(flows or request.flows), "maxRecords": str(limits.records_per_call),
              "includeDesc": "true"}
    if request.partners:
        params["partnerCode"] = ",".join(request.partners)
    return Chunk(key=request_key(url, params), params=params)


def endpoint(base: str, freq: str) -> str:
    """The data endpoint for goods (C) in HS at frequency *freq*."""
    return f"{base}/C/{freq}/HS"


def plan(request: ComtradeRequest, limits: Limits, base: str) -> list[Chunk]:
    """Chunks (one call each) covering *request*, each estimated under the record cap."""
    url = endpoint(base, request.freq)
    partners = len(request.partners) if request.partners else PARTNERS_ALL
    per_reporter = partners * len(request.flows)
    r = max(1, min(len(request.reporters), limits.records_per_call // per_reporter))
    cells = max(1, limits.records_per_call // (r * per_reporter))  # code x period cells a call may hold
    p = max(1, min(len(request.periods), limits.periods_per_call, cells))
    c = max(1, min(len(request.codes), limits.codes_per_call, cells // p))
    return [_chunk(url, request, limits, reps, codes, periods)
            for reps in _groups(request.reporters, r)
            for periods in _groups(request.periods, p)
            for codes in _groups(request.codes, c)]


def _halves(chunk: Chunk, request: ComtradeRequest, limits: Limits, base: str) -> list[Chunk]:
    """Two chunks covering *chunk* (split by codes, then periods, flows, reporters); [] if atomic."""
    url = endpoint(base, request.freq)
    parts = {k: tuple(chunk.params[k].split(",")) for k in ("reporterCode", "cmdCode", "period", "flowCode")}
    for dim in ("cmdCode", "period", "flowCode", "reporterCode"):
        values = parts[dim]
        if len(values) > 1:
            half = (len(values) + 1) // 2
            out = []
            for piece in (values[:half], values[half:]):
                p = {**parts, dim: piece}
                out.append(_chunk(url, request, limits, p["reporterCode"], p["cmdCode"], p["period"], p["flowCode"]))
            return out
    return []


# ---------------------------------------------------------------------------- the job
@dataclass
class FetchReport:
    """What one ``medtrade fetch comtrade`` did, as a value."""

    job: str
    chunks: int
    chunks_loaded: int
    chunks_this_run: int
    calls: int
    retries: int
    from_cache: int
    records: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    editions: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def asdict(self) -> dict:
        """Plain-dict form, for JSON output."""
        return asdict(self)

    def __str__(self) -> str:
        editions = ", ".join(f"{k} {v:,}" for k, v in sorted(self.editions.items())) or "none"
        lines = [(f"comtrade: {self.chunks_loaded} of {self.chunks} chunks loaded ({self.chunks_this_run} this run; "
                 f"{self.calls:,} calls, {self.retries:,} retries, {self.from_cache:,} answers from the cache)"),
                 f"  records {self.records:,} = loaded {self.rows_loaded:,} + rejected {self.rows_rejected:,}",
                 f"  HS editions reported (records): {editions}",
                 f"  job file: {self.job}"]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


Progress = Callable[[Job, Chunk | None], None]


def _message(response_text: str) -> str:
    try:
        doc = json.loads(response_text)
    except ValueError:
        return " ".join(response_text.split())[:200]
    if isinstance(doc, dict):
        for k in ("message", "error", "errorMessage"):
            if doc.get(k):
                return " ".join(str(doc[k]).split())[:200]
    return " ".join(response_text.split())[:200]


def _quota_reset(message: str) -> str:
    m = _REPLENISHED.search(message)
    if not m:
        return "at the next UTC midnight (the answer does not say)"
    delta = timedelta(days=int(m.group(1) or 0), hours=int(m.group(2)), minutes=int(m.group(3)),
                      seconds=int(m.group(4)))
    return f"in {delta} (at {datetime.now(UTC) + delta:%Y-%m-%d %H:%M} UTC)"


def _editions(records: list) -> Counter:
    found: Counter = Counter()
    for r in records:
        if isinstance(r, dict):
            edition = str(r.get("classificationCode") or "?")
            if r.get("isOriginalClassification") is False:
                edition += " (converted)"
            found[edition] += 1
    return found


class _Usage:
    """Calls made per UTC day, kept in ``comtrade/usage.json`` (the server's own count decides)."""

    def __init__(self, root: Path) -> None:
        self.path = root / "comtrade" / "usage.json"
        try:
            self.days: dict[str, int] = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            self.days = {}
        self.today = datetime.now(UTC).strftime("%Y-%m-%d")

    @property
    def used_today(self) -> int:
        return int(self.days.get(self.today, 0))

    def add(self, calls: int) -> None:
        self.days = {self.today: self.used_today + calls}
        atomic_write(self.path, json.dumps(self.days) + "\n")


def _check_answer(job: Job, chunk: Chunk, response, cache: ResponseCache, key_env: str) -> dict:
    """The answer's JSON document, or the one-line error its status or body calls for."""
    status = response.status_code
    where = f"chunk {job.chunks.index(chunk) + 1} of {len(job.chunks)}"
    if status == 401:
        raise AuthError(f"Comtrade refused the key in ${key_env} (HTTP 401: {_message(response.text)}); "
                        "check it at https://comtradedeveloper.un.org (Profile > Subscriptions)")
    if status == 403:
        message = _message(response.text)
        if "quota" in message.lower():
            raise QuotaError(f"Comtrade quota exhausted (HTTP 403: {message}); it resets {_quota_reset(message)}; "
                             "run the same command again then to resume")
        raise AuthError(f"Comtrade refused the key in ${key_env} (HTTP 403: {message})")
    body = response.content
    if status != 200:
        path = cache.keep_malformed(chunk.key, body)
        raise FetchError(f"Comtrade answered HTTP {status} to {where} ({_message(response.text)}); "
                         f"answer kept in {path}")
    try:
        doc = json.loads(body)
    except ValueError as exc:
        path = cache.keep_malformed(chunk.key, body)
        raise MalformedResponseError(f"Comtrade's answer to {where} is not JSON ({exc}); kept in {path}") from None
    problem = None
    if not isinstance(doc, dict):
        problem = f"a JSON {type(doc).__name__}, not an object"
    elif doc.get("error"):
        problem = f"the API reports an error: {' '.join(str(doc['error']).split())[:200]}"
    elif not isinstance(doc.get("data"), list):
        problem = "no `data` list of records"
    if problem:
        path = cache.keep_malformed(chunk.key, body)
        raise MalformedResponseError(f"Comtrade's answer to {where} is not a data response ({problem}); "
                                     f"kept in {path}")
    return doc


def fetch(request: ComtradeRequest, /, *, warehouse: Warehouse, root: Path, key: str, key_env: str = "COMTRADE_KEY",
          limits: Limits = LIMITS["free"], base: str | None = None, policy: RetryPolicy | None = None,
          max_calls: int | None = None, on_wait: Callable[[str], None] | None = None,
          progress: Progress | None = None) -> FetchReport:
    """Run (or resume) the job for *request*: fetch every pending chunk, cache it, load it.

    Raises :class:`~medtrade.fetch.errors.FetchError` subclasses with one line (bad key,
    quota, budget, malformed answer); everything loaded before the error stays loaded
    and the job file records it, so the same call resumes.
    """
    from medtrade.sources import comtrade_json, detect

    base = base_url(base)
    spec = {**request.spec(), "base": base, "limits": asdict(limits)}
    job = Job.open(root, "comtrade", spec, plan=plan(request, limits, base))
    cache = ResponseCache(root, "comtrade")
    usage = _Usage(root)
    left_today = max(limits.calls_per_day - usage.used_today, 0)
    budget = CallBudget(min(left_today, max_calls) if max_calls is not None else left_today,
                        why="--max-calls" if max_calls is not None and max_calls < left_today
                        else f"{limits.calls_per_day:,} calls a day for a {limits.name} key, "
                             f"{usage.used_today:,} used today (UTC)")
    url = endpoint(base, request.freq)
    client = Client(policy=policy, budget=budget, headers={KEY_HEADER: key}, on_wait=on_wait)
    report = FetchReport(job=str(job.path), chunks=0, chunks_loaded=0, chunks_this_run=0, calls=0,
                         retries=0, from_cache=0)
    if progress:
        progress(job, None)
    try:
        while pending := job.pending():
            chunk = pending[0]
            path = cache.get(chunk.key)
            if path is None:
                response = client.get(url, params=chunk.params)
                doc = _check_answer(job, chunk, response, cache, key_env)
                path = cache.put(chunk.key, response.content)
            else:
                report.from_cache += 1
                doc = json.loads(path.read_bytes())
            records = doc["data"]
            chunk.records, chunk.file = len(records), str(path)
            chunk.editions = dict(_editions(records))
            if len(records) >= int(chunk.params.get("maxRecords", "0") or 0) > 0:
                parts = _halves(chunk, request, limits, base)
                if parts:
                    chunk.note = f"{len(records):,} records = the per-call cap: split in {len(parts)}"
                    job.replace(chunk, parts)
                    continue
                chunk.note = f"{len(records):,} records = the per-call cap and cannot be split: may be incomplete"
                report.notes.append(f"chunk {chunk.params}: {chunk.note}")
            if detect(path) is not comtrade_json:
                raise MalformedResponseError(f"{path}: not recognised as a Comtrade JSON response")
            chunk.status = "fetched"
            job.save()
            loaded = warehouse.load(path)
            chunk.status, chunk.file_id, chunk.rows_loaded = "loaded", loaded.file_id, loaded.rows_loaded
            job.save()
            report.chunks_this_run += 1
            if progress:
                progress(job, chunk)
    except MedtradeError as exc:
        done, total = len(job.done()), len([c for c in job.chunks if c.status != "split"])
        exc.args = (f"{exc.args[0]} [{done} of {total} chunks loaded, job {job.path.name}]",)
        raise
    finally:
        client.close()
        usage.add(budget.used)
        report.calls, report.retries = budget.used, client.retries
    _summarise(job, warehouse, report)
    return report


def _summarise(job: Job, warehouse: Warehouse, report: FetchReport) -> None:
    editions: Counter = Counter()
    live = [c for c in job.chunks if c.status != "split"]
    for chunk in live:
        editions.update(chunk.editions)
        report.records += chunk.records or 0
    ids = sorted({c.file_id for c in live if c.file_id is not None})
    if ids:
        marks = ",".join("?" * len(ids))
        loaded, rejected = warehouse.con.execute(
            f"SELECT coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0) FROM source_files"
            f" WHERE file_id IN ({marks})", ids).fetchone()
        report.rows_loaded, report.rows_rejected = int(loaded), int(rejected)
    report.chunks, report.chunks_loaded = len(live), len(job.done())
    report.editions = dict(editions)
    converted = sum(v for k, v in editions.items() if "converted" in k)
    if converted:
        report.notes.append(f"{converted:,} records were converted by Comtrade from the reporter's own HS edition")
    if job.resumed:
        report.notes.append("resumed an earlier job: chunks it had loaded were not fetched again")


def dry_run_lines(request: ComtradeRequest, limits: Limits, base: str | None = None) -> list[str]:
    """The calls the job would make, one line each, then a summary of limits and days needed."""
    base = base_url(base)
    chunks = plan(request, limits, base)
    url = endpoint(base, request.freq)
    lines = []
    for n, chunk in enumerate(chunks, start=1):
        query = "&".join(f"{k}={v}" for k, v in chunk.params.items())
        cells = estimate(request, tuple(chunk.params["reporterCode"].split(",")),
                         tuple(chunk.params["cmdCode"].split(",")), tuple(chunk.params["period"].split(",")))
        lines.append(f"{n:>4}  GET {url}?{query}  (at most {cells:,} records)")
    days = -(-len(chunks) // limits.calls_per_day)
    lines.append(f"{len(chunks):,} calls planned for a {limits.name} key ({limits.records_per_call:,} records per call, "
                 f"{limits.calls_per_day:,} calls a day: {days} day{'s' if days > 1 else ''} at least); "
                 "retries after 429 or dropped connections come on top")
    return lines
