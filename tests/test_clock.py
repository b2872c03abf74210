"""One clock: business time in app/ comes from app.custody.clock, and the suite starts at TEST_NOW."""
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.custody import clock
from tests.clock import TEST_NOW, at, last_weekday, local_to_utc

ROOT = Path(__file__).resolve().parent.parent
WALL_CLOCK = re.compile(r"datetime\.now\(|datetime\.utcnow\(|datetime\.today\(|date\.today\(|\butcnow\(|"
                        r"\btime\.time\(|\btime\.time_ns\(|\btime\.localtime\(|\btime\.gmtime\(")
# the one clock of the server, and the reader daemon's (it stamps reads with its own box's real time)
ALLOWED = {"app/custody/clock.py", "readers/clock.py"}


def test_no_wall_clock_outside_the_clock_module():
    found = []
    for folder in ("app", "readers", "labels"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ALLOWED:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if WALL_CLOCK.search(line.split("#")[0]):
                    found.append(f"{rel}:{number}: {line.strip()}")
    assert found == [], "read the time with app.custody.clock.now():\n" + "\n".join(found)


def test_the_suite_starts_at_test_now():
    # tick=True: time runs on from TEST_NOW, so a test sees TEST_NOW plus the little it has run
    assert timedelta(0) <= clock.now() - TEST_NOW < timedelta(minutes=5)
    assert clock.aware_now().tzinfo is UTC


def test_a_test_can_set_its_own_instant():
    moment = TEST_NOW + timedelta(days=400)
    with at(moment):
        assert clock.now() == moment
        assert clock.aware_now() == moment.replace(tzinfo=UTC)


def test_last_weekday_is_site_local():
    monday = last_weekday(0, "23:00", "Asia/Shanghai", before=datetime(2027, 3, 3, 0, 0))  # a Wednesday
    assert monday == datetime(2027, 3, 1, 15, 0)  # Monday 23:00 in Shanghai
    assert local_to_utc(datetime(2027, 3, 29), "18:30", "Europe/Berlin") == datetime(2027, 3, 29, 16, 30)  # CEST
