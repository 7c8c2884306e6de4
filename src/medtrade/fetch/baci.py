"""CEPII BACI: download a release archive (streamed, resumable), check it, unpack it, load it.

A release is one zip per HS edition, ``{base}/BACI_{HS}_V{release}.zip`` (base
``https://www.cepii.fr/DATA_DOWNLOAD/baci/data``; ``--base-url`` or
``$MEDTRADE_BACI_URL``), holding ``BACI_{HS}_Y{year}_V{release}.csv`` per year,
``country_codes_V{release}.csv``, ``product_codes_{HS}_V{release}.csv`` and a readme.

Order of work, so that a damaged archive never reaches the warehouse:

1. download to ``<cache>/baci/<name>.zip.part`` in 1 MiB blocks; an interrupted download
   resumes from the bytes on disk with an HTTP ``Range`` request;
2. check the size against the server's ``Content-Length``/``Content-Range`` and the
   SHA-256 against ``--sha256`` (CEPII publishes none, so a digest you recorded) or, on
   later runs, against the digest recorded at the first complete download; a mismatch
   moves the file to ``<cache>/baci/rejected/`` and stops;
3. unpack member by member (streamed, CRC-32 of every member checked by ``zipfile``)
   into a temporary folder, renamed into place only when every member is whole;
4. load the yearly CSVs one by one with :meth:`Warehouse.load` (each atomic and
   idempotent); the job file records the loaded ones, so a rerun loads only the rest.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from medtrade.errors import InputError
from medtrade.fetch.cache import atomic_write
from medtrade.fetch.errors import ChecksumError
from medtrade.fetch.http import BLOCK, Client
from medtrade.fetch.jobs import Chunk, Job, job_id

if TYPE_CHECKING:
    from medtrade.warehouse.loader import Progress
    from medtrade.warehouse.store import Warehouse

__all__ = ["BaciReport", "archive_name", "base_url", "fetch"]

DEFAULT_URL = "https://www.cepii.fr/DATA_DOWNLOAD/baci/data"
URL_ENV = "MEDTRADE_BACI_URL"
EDITIONS = ("HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22")


def base_url(explicit: str | None = None, /) -> str:
    """``--base-url``, else ``$MEDTRADE_BACI_URL``, else CEPII's download folder."""
    return (explicit or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")


def archive_name(hs: str, release: str, /) -> str:
    """``BACI_HS17_V202501.zip`` for ``--hs HS17 --release 202501`` (both checked)."""
    edition = hs.strip().upper()
    if edition not in EDITIONS:
        raise InputError(f"--hs `{hs}` is not a BACI edition: use one of {', '.join(EDITIONS)}")
    if not re.fullmatch(r"20\d{2}(0[1-9]|1[0-2])", release.strip()):
        raise InputError(f"--release `{release}` is not a BACI release: use its YYYYMM, e.g. 202501")
    return f"BACI_{edition}_V{release.strip()}.zip"


def parse_years(text: str | None, /) -> set[int] | None:
    """``2019-2023`` or ``2019,2021`` -> years; ``None`` (all years) when not given."""
    if not text:
        return None
    years: set[int] = set()
    for token in (t.strip() for t in text.split(",") if t.strip()):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", token)
        if not m or int(m.group(1)) > int(m.group(2) or m.group(1)):
            raise InputError(f"--years `{token}` is not valid: use 2019-2023 or 2019,2021")
        years.update(range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1))
    return years


@dataclass
class BaciReport:
    """What one ``medtrade fetch baci`` did, as a value."""

    archive: str
    bytes: int
    sha256: str
    downloaded: bool
    files: list[str] = field(default_factory=list)
    files_loaded_now: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    notes: list[str] = field(default_factory=list)

    def asdict(self) -> dict:
        """Plain-dict form, for JSON output."""
        return asdict(self)

    def __str__(self) -> str:
        how = "downloaded" if self.downloaded else "from the cache"
        lines = [f"{Path(self.archive).name}: {self.bytes:,} bytes {how}, sha256 {self.sha256[:16]}",
                 (f"  {len(self.files)} yearly files ({self.files_loaded_now} loaded this run): read {self.rows_read:,}"
                 f" = loaded {self.rows_loaded:,} + rejected {self.rows_rejected:,}")]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def sha256_file(path: Path, /) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse(path: Path, root: Path, why: str) -> ChecksumError:
    rejected = root / "baci" / "rejected" / path.name.removesuffix(".part")
    rejected.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, rejected)
    return ChecksumError(f"{rejected.name}: {why}; nothing was loaded; the file is kept in {rejected} "
                         "and the next run downloads it again")


def download(url: str, final: Path, /, *, root: Path, client: Client, expected: str | None,
             progress: Callable[[int, int | None], None] | None = None) -> tuple[str, bool]:
    """The verified archive at *final* (downloaded unless cached): (sha256, downloaded now)."""
    recorded = final.with_name(final.name + ".sha256")
    if final.is_file():
        digest = sha256_file(final)
        known = expected or (recorded.read_text("utf-8").strip() if recorded.is_file() else None)
        if known and digest != known.lower():
            raise _refuse(final, root, f"SHA-256 {digest} of the cached archive is not the expected {known}")
        return digest, False
    part = final.with_name(final.name + ".part")
    size = client.download(url, part, progress=progress)
    if part.stat().st_size != size:
        raise _refuse(part, root, f"{part.stat().st_size:,} bytes on disk, the server announced {size:,}")
    digest = sha256_file(part)
    if expected and digest != expected.lower():
        raise _refuse(part, root, f"SHA-256 {digest} is not the expected {expected.lower()} (--sha256)")
    os.replace(part, final)
    atomic_write(recorded, digest + "\n")
    return digest, True


def _member_kind(name: str, hs: str, release: str) -> tuple[str, int | None] | None:
    if m := re.fullmatch(rf"BACI_{hs}_Y(\d{{4}})_V{release}\.csv", name, re.IGNORECASE):
        return "data", int(m.group(1))
    if re.fullmatch(r"(country_codes|product_codes_HS\d{2})_V\d{6}\.csv|readme.*\.txt", name, re.IGNORECASE):
        return "reference", None
    return None


def unpack(archive: Path, dest: Path, /, *, hs: str, release: str, years: set[int] | None, root: Path) -> list[Path]:
    """Unpack the yearly CSVs (filtered by *years*) and the reference lists; every CRC-32 checked first.

    Returns the yearly data files in year order. Members are streamed, never held whole.
    """
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    data: list[tuple[int, str]] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                name = Path(info.filename).name  # never a path outside dest
                kind = _member_kind(name, hs, release)
                if info.is_dir() or kind is None or (kind[0] == "data" and years and kind[1] not in years):
                    continue
                with zf.open(info) as src, (tmp / name).open("wb") as out:
                    shutil.copyfileobj(src, out, BLOCK)
                if kind[0] == "data":
                    data.append((kind[1] or 0, name))
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _refuse(archive, root, f"the archive is damaged ({exc})") from None
    if not data:
        shutil.rmtree(tmp, ignore_errors=True)
        wanted = f" for years {min(years)}-{max(years)}" if years else ""
        raise InputError(f"{archive.name}: no BACI_{hs}_Y<year>_V{release}.csv files{wanted} in the archive")
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)
    return [dest / name for _, name in sorted(data)]


def fetch(hs: str, release: str, /, *, warehouse: Warehouse, root: Path, client: Client, base: str | None = None,
          sha256: str | None = None, years: set[int] | None = None,
          bytes_progress: Callable[[int, int | None], None] | None = None,
          load_progress: Callable[[Path], Progress | None] | None = None) -> BaciReport:
    """Download (or reuse), verify, unpack and load one BACI release; see the module docstring."""
    if sha256 and not re.fullmatch(r"[0-9a-fA-F]{64}", sha256.strip()):
        raise InputError(f"--sha256 `{sha256}` is not a SHA-256 digest (64 hexadecimal digits)")
    name = archive_name(hs, release)
    edition = hs.strip().upper()
    url = f"{base_url(base)}/{name}"
    final = root / "baci" / name
    digest, downloaded = download(url, final, root=root, client=client, expected=sha256 and sha256.strip(),
                                  progress=bytes_progress)
    spec = {"archive": name, "sha256": digest, "years": sorted(years) if years else None}
    if (root / "jobs" / f"baci-{job_id('baci', spec)}.json").is_file():
        job = Job.open(root, "baci", spec, plan=[])
        if job.pending():  # the files still to load must be there, whole
            unpack(final, final.with_suffix(""), hs=edition, release=release.strip(), years=years, root=root)
    else:
        files = unpack(final, final.with_suffix(""), hs=edition, release=release.strip(), years=years, root=root)
        job = Job.open(root, "baci", spec, plan=[Chunk(key=f.name, params={"file": str(f)}) for f in files])
    report = BaciReport(archive=str(final), bytes=final.stat().st_size, sha256=digest, downloaded=downloaded)
    for chunk in job.chunks:
        path = Path(chunk.params["file"])
        report.files.append(path.name)
        if chunk.status != "loaded":
            loaded = warehouse.load(path, progress=load_progress(path) if load_progress else None)
            chunk.status, chunk.file_id, chunk.rows_loaded = "loaded", loaded.file_id, loaded.rows_loaded
            job.save()
            report.files_loaded_now += 1
    ids = [c.file_id for c in job.chunks if c.file_id is not None]
    if ids:
        read, loaded, rejected = warehouse.con.execute(
            "SELECT coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0)"
            f" FROM source_files WHERE file_id IN ({','.join('?' * len(ids))})", ids).fetchone()
        report.rows_read, report.rows_loaded, report.rows_rejected = int(read), int(loaded), int(rejected)
    if not sha256 and downloaded:
        report.notes.append(f"no --sha256 given (CEPII publishes none): size and every member's CRC-32 were checked, "
                            f"and SHA-256 {digest} is recorded to check the cached copy on later runs")
    return report
