"""`POST /api/load`: off without a token, refused without the right one, a real load with it."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import httpx

SMALL = """hs8,description,unit,fy,fy_start_year,partner,value_usd_mn,value_inr_crore,quantity
30041000,PENICILLINS,KGS,2017-18,2017,RUSSIA,1.5,12.3,100.0
30049099,OTHER MEDICAMENTS,KGS,2022-23,2022,U S A,2.25,18.4,50.0
"""


def test_load_needs_the_token(loaded_warehouse: Path, tmp_path: Path, server_on, monkeypatch) -> None:
    monkeypatch.delenv("MEDTRADE_API_TOKEN", raising=False)
    wh = tmp_path / "w.duckdb"
    shutil.copyfile(loaded_warehouse, wh)
    url = "/api/load?filename=small.csv"
    with server_on(wh) as off:
        r = httpx.post(off.url + url, content=SMALL.encode(), timeout=60)
        assert r.status_code == 403 and "off" in r.json()["detail"]
    with server_on(wh, token="s3cret-token") as server:
        assert httpx.post(server.url + url, content=SMALL.encode(), timeout=60).status_code == 401
        bad = httpx.post(server.url + url, content=SMALL.encode(), headers={"Authorization": "Bearer nope"}, timeout=60)
        assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
        auth = {"Authorization": "Bearer s3cret-token"}
        path = httpx.post(server.url + "/api/load?filename=../etc/small.csv", content=b"x", headers=auth, timeout=60)
        assert path.status_code == 422
        ok = httpx.post(server.url + url, content=SMALL.encode(), headers=auth, timeout=120)
        assert ok.status_code == 200, ok.text
        report = ok.json()
        assert (report["status"], report["rows_read"], report["rows_loaded"], report["path"]) == ("loaded", 2, 2, "small.csv")
        again = httpx.post(server.url + url, content=SMALL.encode(), headers=auth, timeout=120).json()
        assert again["status"] == "already loaded"
        junk = httpx.post(server.url + "/api/load?filename=notes.txt", content=b"not a trade file\n", headers=auth,
                          timeout=60)
        assert junk.status_code == 400 and "notes.txt" in junk.json()["detail"]
        # The server itself serves the new state once it has copied it.
        deadline = time.monotonic() + 30
        while len(httpx.get(server.url + "/api/sources", timeout=60).json()["rows"]) != 2:
            assert time.monotonic() < deadline, "the loaded file never showed up"
            time.sleep(0.2)
    assert not list(Path(tempfile.gettempdir()).glob("medtrade-upload-*"))  # uploads deleted after the load
