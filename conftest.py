"""The suite's clock, loaded before tests/conftest.py so every test starts at TEST_NOW.

TEST_NOW (tests/clock.py) is CUSTODY_TEST_NOW, an ISO 8601 instant, default the real now.
"""
from datetime import UTC

import pytest
import time_machine

from tests.clock import TEST_NOW


def pytest_configure(config):
    config.addinivalue_line("markers", "real_clock: stays at the real now (it starts processes that "
                                       "time-machine cannot reach: a server, the reader daemon)")


def pytest_report_header(config):
    return f"CUSTODY_TEST_NOW: {TEST_NOW.isoformat()}Z (the instant every test starts at)"


@pytest.fixture(autouse=True)
def _travel_to_test_now(request):
    """Every test starts at TEST_NOW and time runs on from there (tick=True: the order of events and
    the durations a test measures stay real). Tests marked real_clock stay at the real now."""
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    with time_machine.travel(TEST_NOW.replace(tzinfo=UTC), tick=True):
        yield
