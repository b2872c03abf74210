"""The work-in-progress board: read from the one-row-per-volume position table and the step rows'
finish index, never from the custody log.
"""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import SQL, Case, fn

from .. import clock
from ..models import Item, Person, Site
from ..rules import local_date
from .codes import COMPLETED
from .models import Device, FlowPosition, ProcessStep
from .services import definitions


def step_counts() -> tuple[list[dict], int, int]:
    """Per step in order: volumes at it now (in progress), waiting for it, sent back to it; how many
    volumes finished the last step; reworks in all. One index-only scan of flow_position."""
    steps = definitions(active_only=True)
    rows = {s.code: {"step": s.code, "name_zh": s.name_zh, "name_en": s.name_en, "in_progress": 0, "waiting": 0,
                     "rework": 0} for s in steps}
    following = {a.code: b.code for a, b in zip(steps, steps[1:], strict=False)}
    finished = reworks = 0
    query = (FlowPosition.select(FlowPosition.step, FlowPosition.outcome, fn.COUNT(FlowPosition.step),
                                 fn.SUM(FlowPosition.reworks))
             .group_by(FlowPosition.step, FlowPosition.outcome).tuples())
    for step, outcome, n, sent_back in query:
        reworks += int(sent_back or 0)
        if outcome == "in_progress" and step in rows:
            rows[step]["in_progress"] += n
        elif outcome == "failed" and step in rows:
            rows[step]["rework"] += n
        elif outcome in COMPLETED:
            nxt = following.get(step)
            if nxt is None:
                finished += n
            elif nxt in rows:
                rows[nxt]["waiting"] += n
    return list(rows.values()), finished, reworks


def oldest(limit: int = 50) -> list[dict]:
    """Volumes in progress at a step or sent back to one, the longest there first."""
    now = clock.now()
    names = {d.code: (d.name_zh, d.name_en) for d in definitions()}
    found = []
    for outcome in ("in_progress", "failed"):
        query = (FlowPosition.select(FlowPosition, Item.code, Item.archive_no).join(Item)
                 .where(FlowPosition.outcome == outcome).order_by(FlowPosition.since).limit(limit))
        for p in query:
            zh, en = names.get(p.step, (p.step, p.step))
            found.append({"code": p.item.code, "archive_no": p.item.archive_no, "step": p.step, "name_zh": zh,
                          "name_en": en,
                          "outcome": p.outcome, "since": p.since, "hours": round((now - p.since).total_seconds() / 3600, 1),
                          "reworks": p.reworks})
    found.sort(key=lambda r: r["since"])
    return found[:limit]


def local_midnight(day: date, tz: str) -> datetime:
    """The naive-UTC instant a local day starts in zone tz."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).astimezone(UTC).replace(tzinfo=None)


def _zone() -> str:
    site = Site.select(Site.timezone).first()
    return site.timezone if site and site.timezone else "UTC"


def output(days: int = 7, now: datetime | None = None) -> dict:
    """Counted quantities (pages, images) finished per day, per operator and per device.

    Days are the site's local days (Site.timezone), as the nightly rule counts them: each row falls in the day
    whose local midnights (as UTC instants) enclose its finish. The day is picked in SQL by one CASE over those
    bounds, so a zone's offset, half hours and summer time all count right on SQLite and PostgreSQL alike."""
    now = now or clock.now()
    tz = _zone()
    today = local_date(now, tz)
    dates_ = [today - timedelta(days=days - 1 - i) for i in range(days)]
    bounds = [local_midnight(d, tz) for d in dates_] + [local_midnight(today + timedelta(days=1), tz)]
    start = bounds[0]
    day = Case(None, [(ProcessStep.finished_at < bounds[i + 1], i) for i in range(days)], -1)
    base = ProcessStep.quantity.is_null(False) & (ProcessStep.finished_at >= start)
    # GROUP BY the select's first column by position: PostgreSQL does not take two parameterised CASEs as one
    by_operator, by_device = {}, {}
    q = (ProcessStep.select(day.alias("d"), ProcessStep.operator, fn.SUM(ProcessStep.quantity))
         .where(base).group_by(SQL("1"), ProcessStep.operator).tuples())
    names = {}
    for d, operator, total in q:
        by_operator.setdefault(operator, {})[d] = int(total)
    if by_operator:
        names = dict(Person.select(Person.id, Person.name).where(Person.id.in_([k for k in by_operator if k]))
                     .tuples())
    q = (ProcessStep.select(day.alias("d"), ProcessStep.device, fn.SUM(ProcessStep.quantity))
         .where(base & ProcessStep.device.is_null(False)).group_by(SQL("1"), ProcessStep.device).tuples())
    for d, device, total in q:
        by_device.setdefault(device, {})[d] = int(total)
    labels = {}
    if by_device:
        labels = {i: (code, name) for i, code, name in Device.select(Item.id, Item.code, Device.name).join(Item)
                  .where(Item.id.in_(list(by_device))).tuples()}
    return {
        "days": [str(d) for d in dates_], "timezone": tz,
        "operators": [{"name": names.get(k, "—"), "per_day": [v.get(i, 0) for i in range(days)]}
                      for k, v in sorted(by_operator.items(), key=lambda kv: names.get(kv[0], ""))],
        "devices": [{"code": labels.get(k, ("?", ""))[0], "name": labels.get(k, ("?", ""))[1],
                     "per_day": [v.get(i, 0) for i in range(days)]} for k, v in sorted(by_device.items())],
    }
