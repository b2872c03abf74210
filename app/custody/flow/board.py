"""The work-in-progress board: read from the one-row-per-volume position table and the step rows'
finish index, never from the custody log.
"""
from datetime import datetime, timedelta

from peewee import fn

from .. import clock
from ..models import Item, Person
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
    found = []
    for outcome in ("in_progress", "failed"):
        query = (FlowPosition.select(FlowPosition, Item.code, Item.archive_no).join(Item)
                 .where(FlowPosition.outcome == outcome).order_by(FlowPosition.since).limit(limit))
        for p in query:
            found.append({"code": p.item.code, "archive_no": p.item.archive_no, "step": p.step,
                          "outcome": p.outcome, "since": p.since, "hours": round((now - p.since).total_seconds() / 3600, 1),
                          "reworks": p.reworks})
    found.sort(key=lambda r: r["since"])
    return found[:limit]


def output(days: int = 7, now: datetime | None = None) -> dict:
    """Counted quantities (pages, images) finished per day (UTC), per operator and per device."""
    now = now or clock.now()
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = fn.DATE(ProcessStep.finished_at)
    base = ProcessStep.quantity.is_null(False) & (ProcessStep.finished_at >= start)
    by_operator, by_device = {}, {}
    q = (ProcessStep.select(day.alias("d"), ProcessStep.operator, fn.SUM(ProcessStep.quantity))
         .where(base).group_by(day, ProcessStep.operator).tuples())
    names = {}
    for d, operator, total in q:
        by_operator.setdefault(operator, {})[str(d)[:10]] = int(total)
    if by_operator:
        names = dict(Person.select(Person.id, Person.name).where(Person.id.in_([k for k in by_operator if k]))
                     .tuples())
    q = (ProcessStep.select(day.alias("d"), ProcessStep.device, fn.SUM(ProcessStep.quantity))
         .where(base & ProcessStep.device.is_null(False)).group_by(day, ProcessStep.device).tuples())
    for d, device, total in q:
        by_device.setdefault(device, {})[str(d)[:10]] = int(total)
    labels = {}
    if by_device:
        labels = {i: (code, name) for i, code, name in Device.select(Item.id, Item.code, Device.name).join(Item)
                  .where(Item.id.in_(list(by_device))).tuples()}
    dates = [str((start + timedelta(days=i)).date()) for i in range(days)]
    return {
        "days": dates,
        "operators": [{"name": names.get(k, "—"), "per_day": [v.get(d, 0) for d in dates]}
                      for k, v in sorted(by_operator.items(), key=lambda kv: names.get(kv[0], ""))],
        "devices": [{"code": labels.get(k, ("?", ""))[0], "name": labels.get(k, ("?", ""))[1],
                     "per_day": [v.get(d, 0) for d in dates]} for k, v in sorted(by_device.items())],
    }
