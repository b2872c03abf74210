"""`custody sweep` and `custody scheduler --once` say what they did."""
from datetime import timedelta

from app.custody import clock
from app.custody.models import Alert, SweepRun
from app.custody.scheduler import JOBS, Scheduler, default_jobs, register_job
from app.db import db
from tests import factories

from .helpers import CUTOFF, NIGHT, back, out, person, site


def test_sweep_command_reports_night_cutoff_lateness_and_counts(app, database):
    site()
    who = person()
    late, kept = factories.item(), factories.item()
    out(late, who, CUTOFF - timedelta(hours=2))
    out(kept, who, CUTOFF - timedelta(hours=2))
    back(late, who, CUTOFF + timedelta(minutes=40))
    result = app.test_cli_runner().invoke(args=["sweep", "--night", NIGHT.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"night {NIGHT} (working day)" in result.output
    assert f"cutoff {NIGHT} 18:30 CST (Asia/Shanghai) = {NIGHT} 10:30 UTC" in result.output
    assert "RAN LATE" in result.output  # run days after the night
    assert "2 volume(s) not in storage at the cutoff: 2 alert(s) opened, 0 already open; 1 returned late" \
        in result.output
    again = app.test_cli_runner().invoke(args=["sweep", "--night", NIGHT.isoformat()])
    db.connect(reuse_if_open=True)  # the command closes its connection on the way out
    assert "0 alert(s) opened, 2 already open" in again.output and "already been swept" in again.output
    assert Alert.select().count() == 2 and SweepRun.select().count() == 1


def test_sweep_at_a_moment_and_bad_input(app, database):
    site()
    who = person()
    v = factories.item()
    out(v, who, CUTOFF + timedelta(minutes=10))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sweep", "--night", NIGHT.isoformat(), "--at", f"{NIGHT}T18:45"])
    db.connect(reuse_if_open=True)
    assert result.exit_code == 0, result.output
    assert f"evaluated at {NIGHT} 10:45:00 UTC (--at)" in result.output
    assert "1 volume(s) not in storage" in result.output and SweepRun.select().count() == 0
    bad = runner.invoke(args=["sweep", "--night", f"{NIGHT:%d.%m.%Y}"])
    db.connect(reuse_if_open=True)
    assert bad.exit_code != 0 and f"not a date (YYYY-MM-DD): {NIGHT:%d.%m.%Y}" in bad.output
    assert Alert.select().count() == 1


def test_scheduler_runs_registered_jobs_and_survives_a_failing_one(database):
    calls, registered = [], list(JOBS)
    register_job("heartbeat-check", 60, lambda now: calls.append(now) or "2 readers checked")
    register_job("broken", 60, lambda now: 1 / 0)
    try:
        sched = Scheduler(default_jobs(lookback=1), clock=lambda: CUTOFF + timedelta(hours=2))
        results = dict(sched.tick())
        assert results["heartbeat-check"] == "2 readers checked"
        assert results["broken"].startswith("error: ZeroDivisionError")
        assert sched.tick() == []  # nothing due again within the minute
        assert len(calls) == 1
    finally:
        JOBS[:] = registered  # the areas' own jobs stay registered for the tests after this one


def test_scheduler_command_once_catches_up(app, database):
    site(created=clock.now() - timedelta(days=3))
    result = app.test_cli_runner().invoke(args=["scheduler", "--once", "--lookback", "7"])
    assert result.exit_code == 0, result.output
    assert "nightly-sweep" in result.output and "scheduler: stopped" in result.output
    db.connect(reuse_if_open=True)
    assert SweepRun.select().count() >= 2
