"""The work-in-progress board's output per day: the site's local days, not UTC days."""
from datetime import timedelta

import pytest

from app.custody.flow import board, services
from app.custody.rules import local_date
from tests import factories
from tests.clock import TEST_NOW, at, local_to_utc

from .helpers import scanner, staff, walk

TZ = "Asia/Shanghai"


def _scanned_around_local_midnight(op, device):
    """Two volumes scanned a minute either side of local midnight starting yesterday (16:00 UTC)."""
    yesterday = local_date(TEST_NOW, TZ) - timedelta(days=1)
    midnight = local_to_utc(yesterday, "00:00", TZ)
    assert midnight.hour == 16  # the same UTC date on both sides
    for count, finished in ((30, midnight - timedelta(minutes=1)), (70, midnight + timedelta(minutes=1))):
        volume = factories.item()
        with at(midnight - timedelta(hours=2)):  # prep counts 100 pages at 22:00 local the day before
            walk(volume.code, op, device, upto="scan")
        services.record_step(volume.code, "scan", "start", device=device.item.code, actor=op.person, user=op,
                             now=finished - timedelta(minutes=20))
        services.record_step(volume.code, "scan", "finish", count=count, actor=op.person, user=op, now=finished)
    return yesterday


@pytest.mark.db
def test_pages_per_operator_and_device_count_by_the_sites_local_day(site):
    op, device = staff("operator"), scanner()
    yesterday = _scanned_around_local_midnight(op, device)
    out = board.output(7, now=TEST_NOW)
    assert out["days"][-1] == str(local_date(TEST_NOW, TZ)) and out["timezone"] == TZ
    before, after = out["days"].index(str(yesterday - timedelta(days=1))), out["days"].index(str(yesterday))
    (mine,) = out["operators"]
    assert (mine["per_day"][before], mine["per_day"][after]) == (100 + 100 + 30, 70)
    (scans,) = out["devices"]
    assert (scans["code"], scans["per_day"][before], scans["per_day"][after]) == (device.item.code, 30, 70)
    assert sum(mine["per_day"]) == 300


def test_the_board_csv_counts_by_local_day(app, client, login, in_app):
    def seed():
        factories.site(timezone=TZ)
        op = staff("operator")
        return _scanned_around_local_midnight(op, scanner()), op.person.name

    yesterday, name = in_app(seed)
    login("supervisor")
    lines = client.get("/flow/board.csv?days=3").get_data(as_text=True).splitlines()
    head = next(line for line in lines if line.startswith("who,"))
    assert head.split(",")[2:] == [str(yesterday - timedelta(days=1)), str(yesterday), str(yesterday + timedelta(days=1))]
    assert f"operator,{name},230,70,0" in lines


def test_the_board_page_and_csv_name_the_steps_and_the_longest_waiting(app, client, login, in_app):
    def seed():
        factories.site(timezone=TZ)
        op, device = staff("operator"), scanner()
        slow, quick = factories.item(), factories.item()
        with at(TEST_NOW - timedelta(hours=30)):
            walk(slow.code, op, device, upto="scan")
            services.record_step(slow.code, "scan", "start", device=device.item.code, actor=op.person, user=op)
        with at(TEST_NOW - timedelta(hours=2)):
            services.record_step(quick.code, "out", "start", actor=op.person, user=op)
        return slow.code, quick.code

    slow, quick = in_app(seed)
    login("supervisor")
    page = client.get("/flow/board", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    oldest = page[page.index('id="oldest"'):]
    assert oldest.index(slow) < oldest.index(quick)  # the longest there first
    assert "档案扫描 · " in oldest and ">scan ·" not in oldest  # the step's name, not its code
    lines = client.get("/flow/board.csv").get_data(as_text=True).splitlines()
    head = lines.index("code,archive_no,step,outcome,since_utc,hours,reworks")
    first, second = (line.split(",") for line in lines[head + 1:head + 3])
    assert (first[0], first[2], first[3], second[0], second[2]) == (slow, "scan", "in_progress", quick, "out")
    assert float(first[5]) >= 30 and float(second[5]) >= 2
