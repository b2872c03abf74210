"""Every rule that depends on the time, judged at two instants the test sets: the suite's own
(TEST_NOW) and a year after it. The clock is moved, never waited for.

The nightly cutoff across daylight saving is tested the same way in tests/alerts/test_sweep.py
(the changes of TEST_NOW's year and of the next).
"""
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.custody import clock, readers
from app.custody.models import AccessEvent, Alert, MediaLoan, Person, User
from app.custody.nights.sweep import run_due_sweeps
from app.db import db
from tests import factories as f
from tests.alerts.helpers import site as night_site
from tests.clock import TEST_NOW, at, last_weekday, local_to_utc
from tests.conftest import csrf_token

TZ = "Asia/Shanghai"
BADGE_TAG = "62E3086CED"
INSTANTS = {"test_now": TEST_NOW, "a_year_ahead": TEST_NOW + timedelta(days=366)}
instants = pytest.mark.parametrize("instant", list(INSTANTS.values()), ids=list(INSTANTS))


def local_day(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(TZ)).date()


def badge_read_now(reader, seq: int) -> tuple[bool, str]:
    """The door's answer to the badge read at this moment of the clock: (allowed, reason)."""
    read_at = clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    readers.ingest(reader, [{"seq": seq, "kind": "read", "tag": BADGE_TAG, "scheme": "em4100", "symbology": "",
                           "read_at": read_at}])
    event = AccessEvent.select().order_by(AccessEvent.id.desc()).get()
    return event.allowed, event.reason


def door_reader():
    reader, _secret = readers.register_reader("door-1", location=f.loc("DOOR-1"), mode="perimeter_door",
                                            protocol="rdm6300")
    return f.approved(reader)


@instants
def test_badge_is_valid_from_its_first_to_its_last_site_local_day(database, instant):
    first = local_day(instant)
    last = first + timedelta(days=1)
    with at(instant):
        f.site()
        f.person("张伟", tag=BADGE_TAG)
        Person.update(valid_from=first, valid_until=last).execute()
        reader = door_reader()
    answers = []
    for seq, (day, hhmm) in enumerate([(first - timedelta(days=1), "23:59"), (first, "00:01"),
                                       (last, "23:59"), (last + timedelta(days=1), "00:01")], 1):
        with at(local_to_utc(day, hhmm, TZ)):
            answers.append(badge_read_now(reader, seq))
    assert answers == [(False, "not_yet_valid"), (True, ""), (True, ""), (False, "expired")]


@instants
def test_door_pass_outside_working_hours_is_denied(database, instant):
    with at(instant):
        s = f.site()
        s.working_hours = json.dumps({d: ["08:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
        s.save()
        f.person("张伟", tag=BADGE_TAG)
        reader = door_reader()
    monday = last_weekday(0, "09:00", TZ, before=instant)
    answers = []
    for seq, moment in enumerate([monday, monday + timedelta(hours=8, minutes=59),  # 17:59
                                  monday + timedelta(hours=9),  # 18:00: closed
                                  monday + timedelta(days=5, hours=1)], 1):  # Saturday 10:00
        with at(moment):
            answers.append(badge_read_now(reader, seq))
    assert answers == [(True, ""), (True, ""), (False, "after_hours"), (False, "after_hours")]
    assert Alert.select().where(Alert.kind == "access_denied").count() == 2


@instants
def test_medium_is_overdue_from_the_first_night_after_its_due_time(database, instant):
    due_day = local_day(instant) + timedelta(days=2)
    with at(instant):
        night_site(created=instant - timedelta(days=30))
        who = f.person("王芳")
        medium = f.item(kind="media", at="KF-A-02")
        MediaLoan.create(item=medium, borrower=who, reason="拷贝影像", starts_at=instant,
                         due_at=local_to_utc(due_day, "12:00", TZ))
    opened = []
    for day in (due_day - timedelta(days=1), due_day, due_day + timedelta(days=1)):
        with at(local_to_utc(day, "20:00", TZ)):  # the scheduler's pass after that night's cutoff
            [report] = run_due_sweeps(lookback=0)
            opened.append(report.media_opened)
    assert opened == [0, 1, 0]  # due at noon: overdue at that evening's cutoff, and alerted once
    [alert] = Alert.select().where(Alert.kind == "medium_overdue")
    assert (alert.item_id, alert.person_id, alert.status) == (medium.id, who.id, "open")


@instants
def test_idle_session_ends_after_the_timeout_and_activity_keeps_it(app, client, login, instant):
    idle = timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"])
    with app.app_context(), db.connection_context():
        f.site()
    with at(instant):
        login("supervisor")
        assert client.get("/items").status_code == 200
    with at(instant + idle - timedelta(seconds=30)):
        assert client.get("/items").status_code == 200  # active again: the idle period restarts here
    with at(instant + 2 * idle - timedelta(seconds=60)):
        assert client.get("/items").status_code == 200
    with at(instant + 3 * idle):  # idle for longer than the timeout
        response = client.get("/items")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert client.get("/items").status_code == 302  # still logged out


@instants
def test_login_lock_expires_after_its_minutes(app, client, instant):
    lock = timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"])
    with app.app_context(), db.connection_context(), at(instant):
        f.site()
        f.user("operator", username="zhang")

    def log_in(password):
        return client.post("/login", data={"username": "zhang", "password": password,
                                           "csrf_token": csrf_token(client)}).status_code

    with at(instant):
        assert [log_in("wrong password!") for _ in range(5)] == [401] * 5
    with app.app_context(), db.connection_context():
        assert User.get(User.username == "zhang").locked_until == instant + lock
    with at(instant + lock - timedelta(seconds=1)):
        assert log_in(f.PASSWORD) == 401  # still locked: the right password fails too
    with at(instant + lock + timedelta(seconds=1)):
        assert log_in(f.PASSWORD) == 302


@instants
def test_import_job_is_stale_ten_minutes_after_its_last_sign_of_life(database, tmp_path, instant):
    from app.custody.imports import jobs as import_jobs
    from app.custody.models import ImportJob

    progress = tmp_path / "job.progress"
    with at(instant - timedelta(hours=1)):
        job = ImportJob.create(kind="items", filename="big.csv", status="importing", started_at=clock.now())
    with at(instant):  # the job says it is alive, by the clock, whatever the file's mtime says
        progress.write_text(json.dumps({"phase": "import", "done": 10, "total": 100,
                                        "at": clock.now().isoformat()}), encoding="utf-8")
    with at(instant + timedelta(minutes=9)):
        assert import_jobs.fail_if_stale(job, progress).status == "importing"
    with at(instant + timedelta(minutes=11)):
        assert import_jobs.fail_if_stale(job, progress).status == "failed"
