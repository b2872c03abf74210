"""The scheduler: its own process (`custody scheduler`), never inside web workers.

Runs a list of periodic jobs. Every job runs once at start (so a sweep missed while the server was
down is caught up at once) and then every `every` seconds. A job that fails is logged and counted,
and the loop goes on. Other areas plug in with register_job(name, every, func) — func(now) returns
a short line saying what it did (or None when there was nothing to do).
"""
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from . import clock as custody_clock

log = logging.getLogger("custody.scheduler")


@dataclass
class Job:
    name: str
    every: float  # seconds
    func: Callable[[datetime], str | None]
    next_at: float = 0.0
    runs: int = 0
    failures: int = 0
    last_result: str | None = None
    last_error: str = field(default="")


JOBS: list[Job] = []


def register_job(name: str, every: float, func: Callable[[datetime], str | None]) -> Job:
    """Add a periodic job to every scheduler started afterwards (replaces a job of the same name)."""
    JOBS[:] = [j for j in JOBS if j.name != name]
    job = Job(name, every, func)
    JOBS.append(job)
    return job


def _sweep_job(lookback: int):
    def run(now: datetime) -> str | None:
        from .nights.sweep import run_due_sweeps

        reports = run_due_sweeps(now, lookback=lookback)
        return "; ".join(describe(r) for r in reports) or None

    return run


def describe(report) -> str:
    """One line about a sweep, for logs."""
    if report.skipped:
        return f"{report.site_code} night {report.night}: skipped ({report.skipped})"
    late = " (ran late)" if report.is_late else ""
    return (f"{report.site_code} night {report.night}{late}: {report.unreturned} not returned, "
            f"{report.opened} alert(s) opened, {report.already_open} already open, "
            f"{report.returned_late} returned late, {report.media_opened} media overdue")


def default_jobs(*, lookback: int = 7, sweep_every: float = 30) -> list[Job]:
    """The nightly sweep plus every registered job."""
    return [Job("nightly-sweep", sweep_every, _sweep_job(lookback))] + [
        Job(j.name, j.every, j.func) for j in JOBS]


class Scheduler:
    """Runs due jobs; tick() is one pass, run() loops until stopped (or max_ticks)."""

    def __init__(self, jobs: list[Job], *, clock: Callable[[], datetime] = custody_clock.now,
                 monotonic: Callable[[], float] | None = None):
        import time

        self.jobs = jobs
        self.clock = clock
        self.monotonic = monotonic or time.monotonic
        self.stop_event = threading.Event()

    def tick(self) -> list[tuple[str, str | None]]:
        """Run every job that is due; returns (job name, result or 'error: …')."""
        done = []
        for job in self.jobs:
            t = self.monotonic()
            if t < job.next_at:
                continue
            job.next_at = t + job.every
            try:
                job.last_result = job.func(self.clock())
                job.runs += 1
                done.append((job.name, job.last_result))
                if job.last_result:
                    log.info("%s: %s", job.name, job.last_result)
            except Exception as exc:  # one failing job must not end the loop (STYLE 7.6 #4)
                job.failures += 1
                job.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("job %s failed", job.name)
                done.append((job.name, f"error: {job.last_error}"))
        return done

    def run(self, *, interval: float = 5.0, max_ticks: int | None = None, on_tick=None) -> None:
        """Tick every `interval` seconds until stop() (or max_ticks passes)."""
        ticks = 0
        while not self.stop_event.is_set():
            results = self.tick()
            if on_tick is not None:
                on_tick(results)
            ticks += 1
            if max_ticks is not None and ticks >= max_ticks:
                break
            self.stop_event.wait(interval)

    def stop(self) -> None:
        self.stop_event.set()
