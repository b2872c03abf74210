"""Pure predicates of the flow sheet: order, organisations, counts that disagree."""
from .codes import COMPLETED


def missing_before(definitions, step, completed: set[str]):
    """The first active step before `step` that is not completed, or None."""
    for d in definitions:
        if d.position >= step.position:
            return None
        if d.is_active and d.code not in completed:
            return d
    return None


def same_organisation(holder, actor) -> bool:
    """True when the volume's holder and the acting person work for the same organisation."""
    if holder is None or actor is None:
        return True
    if holder.id == actor.id:
        return True
    if holder.organisation and actor.organisation:
        return holder.organisation == actor.organisation
    return holder.org_kind == actor.org_kind


def completed_steps(rows) -> set[str]:
    """The step codes a volume has completed (rows reopened by a rework do not count)."""
    return {r.step for r in rows if r.is_current and r.outcome in COMPLETED}


def count_differences(rows, tolerance: int = 0) -> list[tuple]:
    """Pairs of finished counted steps whose counts differ by more than `tolerance`.

    Each counted step is compared with the previous counted step; returns (earlier, later) row pairs."""
    counted = [r for r in rows if r.quantity is not None and r.outcome in COMPLETED and r.is_current]
    counted.sort(key=lambda r: (r.position, r.started_at))
    found = []
    for earlier, later in zip(counted, counted[1:], strict=False):
        if abs(earlier.quantity - later.quantity) > tolerance:
            found.append((earlier, later))
    return found


def interleave(rows, events) -> list[tuple[str, object]]:
    """The sheet's lines in the order things happened: ("step", row) and ("event", event).

    A step sits at its start; a custody event at its time. So an event between step N's end and step N+1's
    start sits between them, and one during a step follows that step's line. Ties go by the log's order (ids)."""
    def step_key(row):
        return (row.started_at, row.start_event_id or row.end_event_id or 0, 0)

    lines = [(step_key(r), "step", r) for r in rows] + [((e.at, e.id, 1), "event", e) for e in events]
    lines.sort(key=lambda line: line[0])
    return [(kind, value) for _key, kind, value in lines]
