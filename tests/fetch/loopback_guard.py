"""Refuse every network connection except to 127.0.0.1 (a guard, not a mock: nothing is faked).

Installed by ``tests/fetch/conftest.py`` in the test process and, through
``netguard/sitecustomize.py`` on ``PYTHONPATH``, in every ``medtrade`` subprocess a
test starts, so no test of the fetchers can reach the internet, whatever URL a bug
might build.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

ALLOWED = ("127.0.0.1",)
NETGUARD = Path(__file__).resolve().parent / "netguard"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class NetworkRefused(OSError):
    """A connection to an address other than 127.0.0.1 was attempted."""


def check(address: object) -> None:
    """Raise :class:`NetworkRefused` unless *address* is a loopback IPv4 address (or a Unix socket path)."""
    if isinstance(address, (str, bytes)):  # AF_UNIX: a path on this machine
        return
    host = address[0] if isinstance(address, tuple) and address else address
    if host not in ALLOWED:
        raise NetworkRefused(f"test tried to connect to {address!r}: only 127.0.0.1 is allowed")


def install() -> tuple:
    """Patch ``socket.socket.connect``/``connect_ex``; returns the originals (for uninstall)."""
    original = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: object) -> None:
        check(address)
        return original[0](self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        check(address)
        return original[1](self, address)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    return original


def uninstall(original: tuple) -> None:
    """Undo :func:`install`."""
    socket.socket.connect, socket.socket.connect_ex = original


def subprocess_env(cache: Path, **extra: str) -> dict[str, str]:
    """Environment of a test subprocess: the guard on PYTHONPATH, no proxies, *cache* as $MEDTRADE_CACHE."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), env.get("PYTHONPATH")]))
    env.update({"MEDTRADE_CACHE": str(cache), "COLUMNS": "200", "NO_COLOR": "1", **extra})
    return env
