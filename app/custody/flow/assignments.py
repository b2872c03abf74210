"""Task assignment: a supervisor assigns volumes (or a batch's) to an operator or a workstation for a step; the
operator's scan page and My tasks list what is assigned to them and to their workstation until it is done."""
from datetime import datetime

from peewee import fn

from app.db import write_tx

from .. import audit, clock
from ..errors import N_, ValidationError
from ..models import Item, Location, Person
from ..services import _item
from . import codes
from .devices import location
from .models import Assignment, ProcessStep
from .services import get_step


def batch_codes(number) -> list[str]:
    """The codes of a batch's volumes in the batch's order; raises BatchNotFound."""
    from ..handovers import get_batch
    from ..handovers.models import BatchItem

    batch = get_batch(number)
    return [code for (code,) in BatchItem.select(Item.code).join(Item).where(BatchItem.batch == batch.id)
            .order_by(BatchItem.position).tuples()]


def workstation(code: str) -> Location:
    """The workstation with this code; raises LocationNotFound, ValidationError (a place that is no workstation)."""
    found = location(code)
    if found.kind != "workstation":
        raise ValidationError(N_("%(location)s is not a workstation."), location=found.name)
    return found


def assign_named(step: str, *, codes=(), batch: str | None = None, badge: str | None = None,
                 workstation_code: str | None = None, user=None, now: datetime | None = None) -> list[Assignment]:
    """Assign volumes named by code and/or a batch number to the operator with this badge or the workstation with
    this code (what the Assign page and the API take). Raises what assign raises, BatchNotFound, PersonNotFound,
    LocationNotFound."""
    wanted = [c.strip() for c in codes if c and c.strip()]
    if batch and batch.strip():
        wanted += batch_codes(batch)
    person = Person.by_badge(badge) if badge and badge.strip() else None
    where = workstation(workstation_code) if workstation_code and workstation_code.strip() else None
    return assign(wanted, step, person=person, workstation=where, user=user, now=now)


def assign(items, step: str, *, person: Person | None = None, workstation: Location | None = None, user=None,
           now: datetime | None = None) -> list[Assignment]:
    """Assign volumes to an operator or a workstation for a step (a volume's open assignment for that step is
    replaced); logged in the admin log. Raises StepNotFound, ItemNotFound, ValidationError (nobody named, no
    volume, not a volume)."""
    now = now or clock.now()
    d = get_step(step)
    if person is None and workstation is None:
        raise ValidationError(N_("Assign to an operator or a workstation."))
    made = []
    with write_tx():
        volumes, seen = [], set()
        for i in items:
            item = i if isinstance(i, Item) else _item(i)
            if item.id not in seen:
                seen.add(item.id)
                volumes.append(item)
        if not volumes:
            raise ValidationError(N_("Name at least one volume."))
        for item in volumes:
            if item.kind != "volume":
                raise ValidationError(N_("%(code)s is not a volume."), code=item.code)
        for item in volumes:
            Assignment.update(is_open=False).where((Assignment.item == item.id) & (Assignment.step == d.code)
                                                   & (Assignment.is_open == True)).execute()  # noqa: E712
            made.append(Assignment.create(item=item, step=d.code, person=person, workstation=workstation,
                                          assigned_by=user, assigned_at=now))
        audit.append_audit("step.assign", user=user, target=d.code,
                           detail={"items": [i.code for i in volumes], "person": person.badge_code if person else None,
                                   "workstation": workstation.code if workstation else None}, at=now)
    return made


def assigned_to(person: Person | None, workstation: Location | None = None, limit: int = 200) -> list[Assignment]:
    """Open assignments to a person and to the workstation they work at (either), whose step the volume has not
    completed yet, oldest first."""
    return open_assignments(person=person, workstation=workstation, either=True, limit=limit)


def open_assignments(*, person: Person | None = None, workstation: Location | None = None, step: str | None = None,
                     either: bool = False, limit: int = 200) -> list[Assignment]:
    """Open assignments not done yet, oldest first: to this person and/or this workstation (`either`: to one or
    the other), of this step. Nobody named with `either`: none."""
    cond = Assignment.is_open == True  # noqa: E712
    who = [c for c in ((Assignment.person == person.id) if person is not None else None,
                       (Assignment.workstation == workstation.id) if workstation is not None else None) if c is not None]
    if either:
        if not who:
            return []
        cond &= who[0] | who[1] if len(who) == 2 else who[0]
    else:
        for c in who:
            cond &= c
    if step:
        cond &= Assignment.step == step.strip().lower()
    done = (ProcessStep.select(ProcessStep.id).where(
        (ProcessStep.item == Assignment.item) & (ProcessStep.step == Assignment.step)
        & (ProcessStep.is_current == True) & ProcessStep.outcome.in_(list(codes.COMPLETED))))  # noqa: E712
    query = (Assignment.select(Assignment, Item).join(Item).where(cond & ~fn.EXISTS(done))
             .order_by(Assignment.assigned_at, Assignment.id).limit(limit))
    return list(query)
