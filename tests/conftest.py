"""Shared test fixtures.  Slow tests are opt-in: ``pytest --run-slow``."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCENARIOS = ROOT / "scenarios"


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False, help="run slow tests")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow test: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared (reference data beside the repository) is absent")
    return SHARED


@pytest.fixture
def ctrl_c_enabled():
    """Ctrl-C as a terminal gives it, for the tests of what Ctrl-C does: a process a shell
    starts in the background (``cmd &``) inherits SIGINT ignored, and those tests would see
    that instead of the handlers lotsplit installs and restores."""
    old = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)
