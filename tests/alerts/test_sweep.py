"""The nightly sweep, called directly: what is out at the cutoff, from the log, once per item and night."""
import json
import threading
from datetime import date, datetime, time, timedelta

import pytest

from app.custody import alerts, services
from app.custody.models import Alert, AuditLog, MediaLoan, Site, SweepRun
from app.custody.nights.calendar import due_nights, night_of
from app.custody.nights.sweep import run_due_sweeps, states_at, sweep_night
from app.db import db
from tests import factories
from tests.clock import TEST_NOW, at

from .helpers import CUTOFF, NIGHT, back, out, person, site

ON_TIME = CUTOFF + timedelta(minutes=30)  # cutoff + grace


def overnight():
    return list(Alert.select().where(Alert.kind == "overnight").order_by(Alert.id))


def test_volume_in_storage_opens_nothing_and_volume_out_opens_one_alert(database):
    s = site()
    who = person("张三")
    stays = factories.item()
    taken = factories.item(archive_no="J012-WS·2019-Y-0007")
    out(taken, who, CUTOFF - timedelta(hours=3))
    report = sweep_night(s, NIGHT, now=ON_TIME)
    assert (report.unreturned, report.opened, report.already_open, report.is_late) == (1, 1, 0, False)
    [alert] = overnight()
    data = json.loads(alert.data)
    assert alert.item_id == taken.id and alert.status == "open" and alert.night == NIGHT
    assert data["code"] == taken.code and data["archive_no"] == "J012-WS·2019-Y-0007"
    assert data["holder"] == "张三" and data["location"] == "Workstation 1"
    assert data["last_kind"] == "check_out" and data["last_at"] == (CUTOFF - timedelta(hours=3)).isoformat()
    assert alert.dedupe_key == f"overnight:{NIGHT.isoformat()}:{taken.id}"
    assert not Alert.select().where(Alert.item == stays.id).exists()


def test_returned_a_minute_before_the_cutoff_is_fine(database):
    s = site()
    who = person()
    v = factories.item()
    out(v, who, CUTOFF - timedelta(hours=2))
    back(v, who, CUTOFF - timedelta(minutes=1))
    report = sweep_night(s, NIGHT, now=ON_TIME)
    assert report.unreturned == 0 and overnight() == []


def test_returned_a_minute_after_the_cutoff_is_on_record_as_returned_late(database):
    s = site()
    who = person()
    v = factories.item()
    out(v, who, CUTOFF - timedelta(hours=2))
    back(v, who, CUTOFF + timedelta(minutes=1))  # inside the grace period, before the sweep runs
    report = sweep_night(s, NIGHT, now=ON_TIME)
    assert (report.unreturned, report.opened, report.returned_late) == (1, 1, 1)
    [alert] = overnight()
    assert alert.status == "resolved" and alert.is_auto_resolved
    assert alert.resolved_at == CUTOFF + timedelta(minutes=1)
    assert json.loads(alert.data)["returned_at"] == (CUTOFF + timedelta(minutes=1)).isoformat()


def test_return_after_the_sweep_resolves_the_alert_automatically(database):
    s = site()
    who = person()
    v = factories.item()
    out(v, who, CUTOFF - timedelta(hours=2))
    sweep_night(s, NIGHT, now=ON_TIME)
    back(v, who, ON_TIME + timedelta(minutes=5))
    [alert] = overnight()
    assert alert.status == "resolved" and alert.is_auto_resolved
    assert alert.resolution == "returned to storage"
    # and the sweep run again later says the same thing: one volume was out at the cutoff, nothing new
    again = sweep_night(s, NIGHT, now=ON_TIME + timedelta(hours=1))
    assert (again.unreturned, again.opened, again.already_open, again.rerun) == (1, 0, 1, True)


def test_undoing_the_return_reopens_the_overnight_alert_it_resolved(database):
    """A return scanned by mistake and undone: the volume is out again, and so is its alert (acknowledged
    again when the supervisor had acknowledged it); other alerts of the volume stay as they were."""
    s = site()
    who = person()
    login = factories.user("operator")
    v, w = factories.item(), factories.item()
    out(v, who, CUTOFF - timedelta(hours=2))
    out(w, who, CUTOFF - timedelta(hours=2))
    sweep_night(s, NIGHT, now=ON_TIME)
    first, second = overnight()
    alerts.acknowledge(second.id, user=factories.user("supervisor"), note="called her", now=ON_TIME)
    returned_at = ON_TIME + timedelta(hours=14)
    returns = [services.return_to_storage(i.code, to=factories.loc("KF-A-01"), actor=who, user=login,
                                          now=returned_at) for i in (v, w)]
    assert [a.status for a in overnight()] == ["resolved", "resolved"]
    for event in returns:
        services.undo(event.id, user=login, actor=who, now=returned_at + timedelta(minutes=1))
    first, second = overnight()
    assert (first.status, first.resolved_at, first.resolution, first.is_auto_resolved) == ("open", None, "", False)
    assert (second.status, second.ack_note) == ("acknowledged", "called her")
    # returned for real later: resolved again, once
    back(v, who, returned_at + timedelta(minutes=5))
    assert [a.status for a in overnight()] == ["resolved", "acknowledged"]


def test_undoing_a_return_leaves_alerts_resolved_by_hand_alone(database):
    s = site()
    who = person()
    login = factories.user("operator")
    v = factories.item()
    out(v, who, CUTOFF - timedelta(hours=2))
    sweep_night(s, NIGHT, now=ON_TIME)
    [alert] = overnight()
    alerts.resolve(alert.id, user=factories.user("supervisor"), note="on the scanner overnight, agreed",
                   now=ON_TIME + timedelta(minutes=1))
    at = ON_TIME + timedelta(hours=14)
    event = services.return_to_storage(v.code, to=factories.loc("KF-A-01"), actor=who, user=login, now=at)
    services.undo(event.id, user=login, actor=who, now=at + timedelta(minutes=1))
    [alert] = overnight()
    assert (alert.status, alert.resolution) == ("resolved", "on the scanner overnight, agreed")


def test_quarantined_volume_gets_no_overnight_alert_but_is_counted(database):
    s = site()
    who = person()
    v = factories.item()
    out(v, who, CUTOFF - timedelta(hours=2))
    services.quarantine(v.code, actor=who, reason="密级标志", now=CUTOFF - timedelta(hours=1))
    report = sweep_night(s, NIGHT, now=ON_TIME)
    assert (report.unreturned, report.quarantined, report.opened) == (0, 1, 0)
    assert overnight() == []
    assert Alert.get(Alert.kind == "quarantine").status == "open"


def test_holiday_night_continues_the_open_alert_and_flags_new_ones(database):
    s = site(holidays=json.dumps([(NIGHT + timedelta(days=1)).isoformat()]))
    who = person()
    left, taken_on_holiday = factories.item(), factories.item()
    out(left, who, CUTOFF - timedelta(hours=2))
    sweep_night(s, NIGHT, now=ON_TIME)
    out(taken_on_holiday, who, CUTOFF + timedelta(hours=20))
    holiday = sweep_night(s, NIGHT + timedelta(days=1), now=ON_TIME + timedelta(days=1))
    assert not holiday.is_workday
    assert (holiday.unreturned, holiday.opened, holiday.already_open) == (2, 1, 1)
    first = Alert.get(Alert.item == left.id)
    assert first.night == NIGHT and first.severity == "critical"  # a second night out
    assert Alert.get(Alert.item == taken_on_holiday.id).night == NIGHT + timedelta(days=1)


def test_site_can_skip_nights_after_a_nonworking_day(database):
    s = site(holidays=json.dumps([(NIGHT + timedelta(days=1)).isoformat()]), sweep_nonworking=False)
    who = person()
    out(factories.item(), who, CUTOFF)
    report = sweep_night(s, NIGHT + timedelta(days=1), now=ON_TIME + timedelta(days=1))
    assert report.skipped == "nonworking" and overnight() == []
    assert SweepRun.get().status == "skipped"


def last_sunday(year: int, month: int) -> date:
    """The last Sunday of the month: Europe's clocks change on it (March forward, October back)."""
    day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


# the changes of the suite's year and of the next one (a year ahead of TEST_NOW)
DST_YEARS = (TEST_NOW.year, TEST_NOW.year + 1)


@pytest.mark.parametrize("year", DST_YEARS)
def test_cutoff_follows_daylight_saving(database, year):
    s = site(tz="Europe/Berlin")
    spring, autumn = last_sunday(year, 3), last_sunday(year, 10)
    one_day = timedelta(days=1)
    assert night_of(s, spring - one_day).cutoff_at == datetime.combine(spring - one_day, time(17, 30))  # CET, +1
    assert night_of(s, spring).cutoff_at == datetime.combine(spring, time(16, 30))  # CEST from that morning, +2
    assert night_of(s, autumn - one_day).cutoff_at == datetime.combine(autumn - one_day, time(16, 30))
    assert night_of(s, autumn).cutoff_at == datetime.combine(autumn, time(17, 30))  # back to CET


@pytest.mark.parametrize("year", DST_YEARS)
def test_dst_night_decides_by_the_local_cutoff(database, year):
    spring = last_sunday(year, 3)
    with at(datetime.combine(spring, time(19, 0))):  # the scheduler's sweep, that evening
        site(tz="Europe/Berlin", created=datetime(year - 1, 1, 1))
        who = person()
        v = factories.item()
        out(v, who, datetime.combine(spring, time(12, 0)))
        # 16:45 UTC is 18:45 CEST: a quarter of an hour late (with the winter offset it would look on time)
        back(v, who, datetime.combine(spring, time(16, 45)))
        [report] = run_due_sweeps(lookback=0)
    assert report.night == spring
    assert (report.unreturned, report.returned_late) == (1, 1)
    assert report.cutoff_local.strftime("%H:%M %Z") == "18:30 CEST"


def test_missed_sweep_run_late_gives_the_on_time_answer(database):
    s = site()
    who = person()
    a, b, c, d = (factories.item() for _ in range(4))
    out(a, who, CUTOFF - timedelta(hours=5))
    out(b, who, CUTOFF - timedelta(hours=4))
    out(c, who, CUTOFF - timedelta(hours=3))
    back(c, who, CUTOFF - timedelta(minutes=1))
    on_time = set(states_at(s, CUTOFF))  # what an on-time sweep would see (nothing after the cutoff yet)
    # the evening goes on while the server is down: b comes back late, d goes out, a is handed over
    back(b, who, CUTOFF + timedelta(hours=1))
    out(d, who, CUTOFF + timedelta(hours=2))
    services.hand_over(a.code, to_person=person("李四"), actor=who, now=CUTOFF + timedelta(hours=3))
    late = sweep_night(s, NIGHT, now=CUTOFF + timedelta(hours=14))
    assert late.is_late and late.unreturned == 2 and late.returned_late == 1
    assert {al.item_id for al in overnight()} == on_time == {a.id, b.id}
    alert_a = Alert.get(Alert.item == a.id)
    assert json.loads(alert_a.data)["late_sweep"] is True
    assert alert_a.person_id == who.id  # the holder at the cutoff, not the one after the hand-over


def test_sweep_is_idempotent_per_item_and_night(database):
    s = site()
    who = person()
    for _ in range(3):
        out(factories.item(), who, CUTOFF - timedelta(hours=1))
    first = sweep_night(s, NIGHT, now=ON_TIME)
    second = sweep_night(s, NIGHT, now=ON_TIME + timedelta(minutes=5))
    assert (first.opened, second.opened, second.already_open) == (3, 0, 3)
    assert len(overnight()) == 3 and SweepRun.select().count() == 1


def test_at_evaluates_an_exact_moment_without_claiming_the_night(database):
    s = site()
    who = person()
    v = factories.item()
    out(v, who, CUTOFF + timedelta(minutes=10))
    report = sweep_night(s, NIGHT, at=CUTOFF + timedelta(minutes=20), now=ON_TIME)
    assert report.unreturned == 1 and report.evaluated_at == CUTOFF + timedelta(minutes=20)
    assert SweepRun.select().count() == 0
    assert sweep_night(s, NIGHT, now=ON_TIME).unreturned == 0  # at the cutoff itself it was still in


def test_scheduler_catches_up_missed_nights_but_not_before_the_site_existed(database):
    friday = NIGHT - timedelta(days=3)
    s = site(created=datetime.combine(friday, time(2, 0)))  # Friday 10:00 in Shanghai
    now = datetime.combine(NIGHT, time(12, 0))  # Monday 20:00, after the cutoff
    nights = [friday + timedelta(days=d) for d in range(4)]
    assert [n.night for n in due_nights(s, now, lookback=7)] == nights
    reports = run_due_sweeps(now, lookback=7)
    assert [r.night for r in reports] == nights
    assert run_due_sweeps(now + timedelta(minutes=1), lookback=7) == []


def test_medium_past_its_loan_period_opens_one_overdue_alert(database):
    s = site()
    who = person()
    medium = factories.item(kind="media", at="KF-A-02")
    MediaLoan.create(item=medium, borrower=who, reason="拷贝影像", starts_at=CUTOFF - timedelta(days=2),
                     due_at=CUTOFF - timedelta(hours=1))
    MediaLoan.create(item=factories.item(kind="media"), borrower=who, due_at=CUTOFF + timedelta(days=3))
    first = sweep_night(s, NIGHT, now=ON_TIME)
    sweep_night(s, NIGHT + timedelta(days=1), now=ON_TIME + timedelta(days=1))
    assert first.media_opened == 1
    [alert] = Alert.select().where(Alert.kind == "medium_overdue")
    assert alert.item_id == medium.id and alert.person_id == who.id and alert.status == "open"


@pytest.mark.parametrize("entry", ["scheduler job", "claim only"])
def test_two_schedulers_racing_sweep_each_night_once(app, database, entry):
    s = site()
    who = person()
    for _ in range(5):
        out(factories.item(), who, CUTOFF - timedelta(hours=1))
    db.close()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def scheduler():
        try:
            with app.app_context():
                db.connect(reuse_if_open=True)
                try:
                    barrier.wait(timeout=10)
                    if entry == "scheduler job":
                        results.append(run_due_sweeps(ON_TIME, lookback=0))
                    else:  # straight to the claim, past the scheduler's "already swept?" pre-check
                        report = sweep_night(Site.get_by_id(s.id), NIGHT, now=ON_TIME, claim=True)
                        results.append([] if report.skipped == "claimed" else [report])
                finally:
                    db.close()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    db.connect(reuse_if_open=True)
    assert errors == []
    assert sorted(len(r) for r in results) == [0, 1]  # one swept, the other found the night claimed
    assert SweepRun.select().where(SweepRun.site == s.id).count() == 1
    assert len(overnight()) == 5


def test_alerts_acknowledge_and_resolve_are_logged(database):
    s = site()
    who = person()
    out(factories.item(), who, CUTOFF - timedelta(hours=1))
    sweep_night(s, NIGHT, now=ON_TIME)
    [alert] = overnight()
    boss = factories.user("supervisor")
    alerts.acknowledge(alert.id, user=boss, note="已电话联系")
    alerts.resolve(alert.id, user=boss, note="次日归还")
    actions = [r.action for r in AuditLog.select().order_by(AuditLog.id)]
    assert actions[-2:] == ["alert.acknowledge", "alert.resolve"]
    assert Site.select().count() == 1


def test_out_through_the_day_series_follows_the_log(database):
    from app.custody.nights.report import out_through_days

    s = site()
    who = person()
    a, b = factories.item(), factories.item()
    now = datetime.combine(NIGHT, time(12, 0))
    out(a, who, now - timedelta(hours=5, minutes=30))
    out(b, who, now - timedelta(hours=3, minutes=30))
    back(a, who, now - timedelta(hours=1, minutes=30))
    times, counts = out_through_days(s, days=1, now=now)
    series = dict(zip(times, counts, strict=True))
    assert [series[now - timedelta(hours=h)] for h in (6, 5, 3, 1, 0)] == [0, 1, 2, 1, 1]
