"""`custody sweep` and `custody scheduler`: the nightly return rule from cron, a timer or its own process."""
import logging
import signal
from datetime import UTC, date, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from .custody import clock
from .db import db


def _parse_night(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not a date (YYYY-MM-DD): {value}") from None


def _parse_at(value: str | None, tz: str) -> datetime | None:
    """--at: ISO 8601; without an offset it is site-local time. Returns naive UTC."""
    if not value:
        return None
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"not a timestamp (e.g. 2026-03-28T18:30 or 2026-03-28T10:30Z): {value}") \
            from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(UTC).replace(tzinfo=None)


def _fmt_delay(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def format_report(r) -> list[str]:
    """The lines `custody sweep` prints for one report."""
    day = "working day" if r.is_workday else "non-working day"
    lines = [f"Site {r.site_code}, night {r.night.isoformat()} ({day})",
             f"  cutoff {r.cutoff_local.strftime('%Y-%m-%d %H:%M %Z')} ({r.tz}) = "
             f"{r.cutoff_at.strftime('%Y-%m-%d %H:%M')} UTC; due {r.due_at.strftime('%Y-%m-%d %H:%M')} UTC"]
    if r.evaluated_at != r.cutoff_at:
        lines.append(f"  evaluated at {r.evaluated_at.strftime('%Y-%m-%d %H:%M:%S')} UTC (--at), "
                     "not at the cutoff; not recorded as the night's sweep")
    if r.skipped == "nonworking":
        lines.append("  skipped: the site does not sweep nights after a non-working day")
        return lines
    if r.skipped == "claimed":
        lines.append("  skipped: another scheduler has already swept this night")
        return lines
    if r.evaluated_at != r.cutoff_at:
        pass  # an --at evaluation: the line above says when; lateness does not apply
    elif r.is_late:
        lines.append(f"  RAN LATE: started {r.started_at.strftime('%Y-%m-%d %H:%M')} UTC, "
                     f"{_fmt_delay(r.started_at - r.due_at)} after it was due; decided from the log as of "
                     "the cutoff, so the result is the one an on-time sweep would have given")
    else:
        lines.append(f"  on time: started {r.started_at.strftime('%Y-%m-%d %H:%M')} UTC")
    if r.rerun:
        lines.append("  this night had already been swept: checked again, only missing alerts were opened")
    when = "at the cutoff" if r.evaluated_at == r.cutoff_at else "at that moment"
    lines.append(f"  {r.unreturned} volume(s) not in storage {when}: {r.opened} alert(s) opened, "
                 f"{r.already_open} already open; {r.returned_late} returned late")
    lines.append(f"  {r.quarantined} quarantined volume(s) outside storage (listed in the report, no "
                 "overnight alert)")
    lines.append(f"  media overdue: {r.media_opened} alert(s) opened, {r.media_resolved} resolved")
    lines.append(f"  took {r.seconds:.2f} s")
    return lines


@click.command("sweep")
@click.option("--night", default=None, help="The night to sweep, as its evening's site-local date "
              "(YYYY-MM-DD). Default: the last night whose cutoff has passed.")
@click.option("--at", "at_text", default=None, help="Evaluate at this exact past moment instead of the "
              "night's cutoff (ISO 8601; site-local time unless it carries an offset or Z).")
@click.option("--site", "site_code", default=None, help="Only this site (code); default every site.")
@with_appcontext
def sweep_command(night, at_text, site_code):
    """Run the nightly return sweep now and say what it did (safe to run again)."""
    from .custody.errors import CustodyError
    from .custody.models import Site
    from .custody.nights.sweep import sweep_night

    night_d = _parse_night(night)
    with db.connection_context():
        sites = list(Site.select().order_by(Site.id))
        if site_code:
            sites = [s for s in sites if s.code == site_code.upper() or s.code == site_code]
            if not sites:
                raise click.ClickException(f"No such site: {site_code}")
        if not sites:
            raise click.ClickException("No site is set up yet (custody demo, or the admin pages).")
        for site in sites:
            try:
                at = _parse_at(at_text, site.timezone)
                if at is not None and at > clock.now():
                    raise click.BadParameter("--at must be a past moment")
                report = sweep_night(site, night_d, at=at, trigger="cli")
            except CustodyError as err:
                raise click.ClickException(err.message) from None
            for line in format_report(report):
                click.echo(line)
            if report.checkpoint_id:
                click.echo(f"  logs sealed: checkpoint #{report.checkpoint_id}")


@click.command("scheduler")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
@click.option("--lookback", default=7, show_default=True, help="Catch up missed sweeps this many nights back.")
@click.option("--once", is_flag=True, help="Run the due jobs once and exit (for a systemd timer or a test).")
@with_appcontext
def scheduler_command(interval, lookback, once):
    """Run the periodic jobs (nightly sweep, reader heartbeats, …) in this process until stopped."""
    from .custody import readers
    from .custody.scheduler import Scheduler, default_jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    readers.configure(offline_seconds=current_app.config.get("READER_OFFLINE_SECONDS"),
                      grace_minutes=current_app.config.get("READER_DEPARTURE_GRACE_MINUTES"))
    jobs = default_jobs(lookback=lookback)
    sched = Scheduler(jobs)

    def _stop(_signum, _frame):
        sched.stop()  # only sets a flag; the loop ends after the current pass

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"scheduler: jobs {', '.join(j.name for j in jobs)}; catching up {lookback} night(s)")

    def _echo(results):
        for name, result in results:
            if result:
                click.echo(f"{clock.now():%Y-%m-%d %H:%M:%S}Z {name}: {result}")

    try:
        with db.connection_context():
            sched.run(interval=interval, max_ticks=1 if once else None, on_tick=_echo)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("scheduler: stopped")


COMMANDS = (sweep_command, scheduler_command)
