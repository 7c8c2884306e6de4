"""Loaded at start-up by subprocesses whose PYTHONPATH holds this folder: installs the loopback guard."""

import importlib.util
import pathlib

_spec = importlib.util.spec_from_file_location(
    "_medtrade_loopback_guard", pathlib.Path(__file__).resolve().parents[1] / "loopback_guard.py")
_guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_guard)
_guard.install()
