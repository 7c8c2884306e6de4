"""No fetch test reaches any address but 127.0.0.1: the guard is on, in this process and in subprocesses."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from loopback_guard import NetworkRefused, subprocess_env


def test_guard_refuses_other_addresses_in_this_process():
    with pytest.raises(NetworkRefused), socket.socket() as sock:
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed, and refused before any packet


def test_a_fetch_pointed_elsewhere_fails_on_the_guard(cli, cache, tmp_path, monkeypatch):
    monkeypatch.setenv("COMTRADE_KEY", "k")
    result = cli("fetch", "comtrade", "--reporter", "RUS", "--hs", "30", "--period", "2021", "--retry-delay", "0",
                 "--base-url", "http://192.0.2.1/data/v1/get", "-w", tmp_path / "w.duckdb")
    assert result.exit_code == 2
    assert "no answer after 8 attempts" in result.stderr and "only 127.0.0.1 is allowed" in result.stderr


def test_subprocesses_get_the_guard_too(cache):
    code = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)"
    done = subprocess.run([sys.executable, "-c", code], env=subprocess_env(cache), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode != 0 and "NetworkRefused" in done.stderr and "only 127.0.0.1" in done.stderr
