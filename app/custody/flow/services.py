"""Flow sheet services: step definitions, devices, one step change per call (one transaction, one
hash-chained custody event), assignments.
"""
import json
from dataclasses import dataclass
from datetime import datetime

from peewee import fn

from app.db import write_tx

from .. import audit, clock, statements
from ..codes import normalize_scan
from ..errors import N_, LocationNotFound, QuarantinedError, ValidationError
from ..models import Item, Location, Person, User, UserRole
from ..services import _item
from . import codes, rules
from . import statements as queries
from .errors import (
    CountNeededError,
    DeviceElsewhereError,
    DeviceNeededError,
    DeviceNotFound,
    DeviceNotInServiceError,
    NotYourOrganisationError,
    SkipNotAllowedError,
    StepNotFound,
    StepOutOfOrderError,
    StepStateError,
)
from .models import Assignment, Device, FlowPosition, ProcessStep, StepDef

MAX_COUNT = 1_000_000
_CACHE: dict = {}  # the step definitions per database, see definitions()


@dataclass
class StepResult:
    row: ProcessStep
    event: object
    replayed: bool = False


# ---------------------------------------------------------------- definitions

def label(step) -> str:
    """A step's name in both languages, for messages (the names are the site's own, not msgids)."""
    return f"{step.name_zh} / {step.name_en}"


def install_defaults(now: datetime | None = None) -> int:
    """Create the DA/T 31-2017 default steps when the site has none; returns how many were made."""
    now = now or clock.now()
    _CACHE.clear()
    with write_tx():
        if StepDef.select().exists():
            return 0
        for position, (code, zh, en, device, counts, skip, rework) in enumerate(codes.DEFAULT_STEPS, 1):
            StepDef.create(code=code, name_zh=zh, name_en=en, position=position * 10, needs_device=device,
                           counts=counts, may_skip=skip, rework_to=rework, changed_at=now)
    return len(codes.DEFAULT_STEPS)


def definitions(active_only: bool = False) -> list[StepDef]:
    """The site's steps in order (the defaults are installed on first use).

    Every step scan reads them: the rows are kept per database and process and read again only when the
    table's (count, newest change, id sum) differs — one constant-text aggregate instead of building a query."""
    from app.db import db

    key = db.execute_sql('SELECT COUNT(*), MAX("changed_at"), SUM("id") FROM "flow_step_def"').fetchone()
    cached = _CACHE.get(id(db.obj))
    if cached is None or cached[0] != tuple(key):
        found = list(StepDef.select().order_by(StepDef.position, StepDef.id))
        if not found:
            install_defaults()
            return definitions(active_only)
        cached = _CACHE[id(db.obj)] = (tuple(key), found)
    found = cached[1]
    return [d for d in found if d.is_active] if active_only else list(found)


def get_step(code: str) -> StepDef:
    """The step definition with this code; raises StepNotFound."""
    definitions()
    found = StepDef.get_or_none(StepDef.code == (code or "").strip().lower())
    if found is None:
        raise StepNotFound(step=code)
    return found


def define_step(code: str, *, name_zh: str, name_en: str, position: int, needs_device: bool = False,
                counts: str = "none", may_skip: bool = False, rework_to: str | None = None,
                is_active: bool = True, user=None, now: datetime | None = None) -> StepDef:
    """Create or change a step definition and log it in the admin log; past sheets keep their copies.

    Raises ValidationError (bad code, name, count kind, or a rework target that is not an earlier step)."""
    now = now or clock.now()
    code = (code or "").strip().lower()
    if not code or len(code) > 32 or not code.replace("_", "").replace("-", "").isalnum():
        raise ValidationError(N_("A step code is 1 to 32 letters, digits, - or _."))
    name_zh, name_en = (name_zh or "").strip(), (name_en or "").strip()
    if not name_zh or not name_en or len(name_zh) > 100 or len(name_en) > 100:
        raise ValidationError(N_("Give the step's name in both languages (at most 100 characters)."))
    if counts not in codes.COUNTS:
        raise ValidationError(N_("Unknown count kind: %(value)s"), value=counts)
    rework_to = (rework_to or "").strip().lower() or None
    definitions()
    with write_tx():
        if rework_to is not None:
            target = StepDef.get_or_none(StepDef.code == rework_to)
            if target is None or target.position >= position or target.code == code:
                raise ValidationError(N_("A quality check sends volumes back to an earlier step."))
        values = dict(name_zh=name_zh, name_en=name_en, position=int(position), needs_device=bool(needs_device),
                      counts=counts, may_skip=bool(may_skip), rework_to=rework_to, is_active=bool(is_active),
                      changed_at=now)
        existing = StepDef.get_or_none(StepDef.code == code)
        if existing is None:
            step = StepDef.create(code=code, **values)
            action = "step.define"
        else:
            StepDef.update(**values).where(StepDef.id == existing.id).execute()
            step = StepDef.get_by_id(existing.id)
            action = "step.change"
        _CACHE.clear()  # other processes see the new changed_at
        detail = {k: v for k, v in values.items() if k != "changed_at"}
        audit.append_audit(action, user=user, target=code, detail=detail, at=now)
    return step


# ---------------------------------------------------------------- devices

def _check_status(status: str) -> None:
    if status not in codes.DEVICE_STATUSES:
        raise ValidationError(N_("Unknown device state: %(value)s"), value=status)


def _device(code: str) -> Device:
    norm = normalize_scan(code)
    device = (Device.select(Device, Item).join(Item).where(Item.code == norm).first())
    if device is None:
        raise DeviceNotFound(code=norm)
    return device


def get_device(code: str) -> Device:
    """The device with this label code; raises DeviceNotFound."""
    return _device(code)


def register_device(name: str, *, workstation: Location | None = None, serial_no: str = "", code: str = "",
                    status: str = "in_service", user=None, now: datetime | None = None) -> Device:
    """Register a device (an item of kind device) at a workstation; logged in the admin log.

    Raises ValidationError (no name, bad status, code taken)."""
    now = now or clock.now()
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError(N_("Give the device's name (at most 200 characters)."))
    _check_status(status)
    with write_tx():
        code = normalize_scan(code) if code else None
        if code is None:
            numbers = [int(c[1:]) for (c,) in Item.select(Item.code).where(Item.code.startswith("D")).tuples()
                       if c[1:].isdigit()]
            code = f"D{max(numbers, default=0) + 1:08d}"
        elif Item.select().where(Item.code == code).exists():
            raise ValidationError(N_("The code %(code)s is already in use."), code=code)
        item = Item.create(code=code, kind="device", title=name, serial_no=(serial_no or "").strip()[:100],
                           location=workstation, state="out" if workstation is not None else "in_storage",
                           state_since=now, created_at=now)
        device = Device.create(item=item, name=name, workstation=workstation, status=status, changed_at=now)
        audit.append_audit("device.register", user=user, target=code,
                           detail={"name": name, "workstation": workstation.code if workstation else None,
                                   "status": status}, at=now)
    return device


def import_devices(text: str, *, user=None, now: datetime | None = None) -> list[Device]:
    """Register devices from CSV text, one per line: name, serial number, workstation code[, device number].

    All or nothing. Raises ValidationError, LocationNotFound."""
    import csv
    import io

    now = now or clock.now()
    lines = [row for row in csv.reader(io.StringIO(text or "")) if any(cell.strip() for cell in row)]
    if lines and lines[0] and lines[0][0].strip().lower() in ("name", "名称", "设备名称"):
        lines = lines[1:]  # a header row
    if not lines:
        raise ValidationError(N_("No devices to import: one per line, name, serial number, workstation code."))
    made = []
    with write_tx():
        for row in lines:
            cells = [c.strip() for c in row] + ["", "", "", ""]
            where = location(cells[2]) if cells[2] else None
            made.append(register_device(cells[0], workstation=where, serial_no=cells[1], code=cells[3],
                                        user=user, now=now))
    return made


def change_device(code: str, *, status: str | None = None, workstation: Location | None = None,
                  user=None, now: datetime | None = None) -> Device:
    """Change a device's state (in service, under repair, retired) or workstation; logged.

    Raises DeviceNotFound, ValidationError."""
    now = now or clock.now()
    if status is not None:
        _check_status(status)
    with write_tx():
        device = _device(code)
        changes = {}
        if status is not None and status != device.status:
            changes["status"] = status
        if workstation is not None and workstation.id != device.workstation_id:
            changes["workstation"] = workstation.code
            Item.update(location=workstation).where(Item.id == device.item_id).execute()
        if changes:
            Device.update(status=status or device.status,
                          workstation=workstation or device.workstation, changed_at=now).where(
                Device.id == device.id).execute()
            audit.append_audit("device.change", user=user, target=device.item.code, detail=changes, at=now)
    return _device(code)


# ---------------------------------------------------------------- step scans

def location(code: str) -> Location:
    """The location with this code (a workstation, for a step scan); raises LocationNotFound."""
    norm = normalize_scan(code)
    found = Location.get_or_none(Location.code == norm)
    if found is None:
        raise LocationNotFound(code=norm)
    return found


def _is_supervisor(user) -> bool:
    if user is None:
        return False
    if isinstance(user, User):
        return "supervisor" in user.roles
    return UserRole.select().where((UserRole.user == user) & (UserRole.role == "supervisor")).exists()


def _check_device(device: Device, step: StepDef, where: Location | None) -> None:
    if device.status != "in_service":
        raise DeviceNotInServiceError(device=device.item.code, status=codes.DEVICE_STATUSES.coded(device.status))
    if (where is not None and device.workstation_id is not None and where.kind == "workstation"
            and device.workstation_id != where.id):
        raise DeviceElsewhereError(device=device.item.code,
                                   location=device.workstation.name if device.workstation else "—")


def _replay(client_id: str | None) -> StepResult | None:
    if not client_id:
        return None
    event = statements.event_by_client_id(client_id)
    if event is None:
        return None
    row = (ProcessStep.select().where((ProcessStep.start_event == event.id) | (ProcessStep.end_event == event.id))
           .first())
    return StepResult(row=row, event=event, replayed=True)


def _move_position(item: Item, row: ProcessStep, now: datetime, *, step: StepDef | None = None,
                   outcome: str | None = None, rework: bool = False) -> None:
    values = {"step": (step.code if step else row.step), "position": (step.position if step else row.position),
              "outcome": outcome or row.outcome, "since": now}
    if queries.move_position(item.id, rework=rework, **values) == 0:
        FlowPosition.create(item=item, reworks=1 if rework else 0, **values)


def record_step(code, step: str, action: str, *, actor: Person | None, user=None, device: str | None = None,
                count: int | None = None, reason: str = "", location: Location | None = None,
                via: str = "api", reader=None, client_id: str | None = None,
                now: datetime | None = None) -> StepResult:
    """Start, finish, pass, fail or skip one step of one volume: a step row and a custody event, one transaction.

    Idempotent on client_id. Raises ItemNotFound, StepNotFound, DeviceNotFound, QuarantinedError,
    NotYourOrganisationError, StepOutOfOrderError, StepStateError, DeviceNotInServiceError,
    DeviceElsewhereError, DeviceNeededError, CountNeededError, SkipNotAllowedError, ValidationError."""
    now = now or clock.now()
    if action not in codes.ACTIONS:
        _bad_action(action)
    reason = (reason or "").strip()[:500]
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT):
        raise ValidationError(N_("The count must be a whole number from 0 to %(max)d."), max=MAX_COUNT)
    definition_list = definitions(active_only=True)
    with write_tx():
        item = code if isinstance(code, Item) else _item(code)
        if (done := _replay(client_id)) is not None:
            return done
        if item.kind != "volume":
            raise ValidationError(N_("%(code)s is not a volume."), code=item.code)
        if item.state == "quarantined":
            raise QuarantinedError(code=item.code)
        if not rules.same_organisation(item.holder, actor):
            raise NotYourOrganisationError(code=item.code, organisation=item.holder.organisation or "—")
        d = next((x for x in definition_list if x.code == (step or "").strip().lower()), None)
        if d is None:
            raise StepNotFound(step=step)
        step_name = label(d)
        every_row = queries.rows_of(item.id)
        rows = [r for r in every_row if r.is_current]
        completed = rules.completed_steps(rows)
        open_row = next((r for r in rows if r.step == d.code and r.outcome == "in_progress"), None)
        where = location or item.location
        dev = _device(device) if device else None
        if dev is not None:
            _check_device(dev, d, where)

        def ensure_fresh():
            if d.code in completed:
                raise StepStateError(code=item.code, step=step_name, state=codes.OUTCOMES.coded("done"))
            missing = rules.missing_before(definition_list, d, completed)
            if missing is not None:
                raise StepOutOfOrderError(code=item.code, step=step_name, missing=label(missing))

        data = {"step": d.code, "action": action, "device": dev.item.code if dev else None, "count": count}
        if action == "start":
            if open_row is not None:
                raise StepStateError(code=item.code, step=step_name, state=codes.OUTCOMES.coded("in_progress"))
            ensure_fresh()
            if d.needs_device and dev is None:
                raise DeviceNeededError(step=step_name)
            event = _event(item, data, actor, user, via, reader, reason, client_id, now)
            row = _new_row(item, d, dev, actor, user, now, event, every_row)
            _move_position(item, row, now)
            return StepResult(row=row, event=event)
        if action == "finish":
            if open_row is None:
                if d.code in completed:
                    raise StepStateError(code=item.code, step=step_name, state=codes.OUTCOMES.coded("done"))
                raise StepStateError(N_("%(code)s: %(step)s has not been started."), code=item.code, step=step_name)
            if d.needs_device and dev is None and open_row.device_id is None:
                raise DeviceNeededError(step=step_name)
            if d.counts != "none" and count is None:
                raise CountNeededError(step=step_name, unit=codes.COUNTS.coded(d.counts))
            event = _event(item, data, actor, user, via, reader, reason, client_id, now)
            row = open_row
            row.outcome, row.finished_at, row.end_event, row.quantity = "done", now, event.id, count
            if dev is not None:
                row.device = dev.item_id
            queries.finish_row(row.id, outcome="done", finished_at=now, end_event_id=event.id, quantity=count,
                               device_id=row.device_id, note=row.note, operator_id=row.operator_id,
                               user_id=row.user_id)
            _move_position(item, row, now)
            return StepResult(row=row, event=event)
        if action in ("pass", "fail"):
            if not d.is_check:
                raise ValidationError(N_("%(step)s is not a quality check: start and finish it."), step=step_name)
            if open_row is None:
                ensure_fresh()
            if action == "fail" and not reason:
                raise ValidationError(N_("Give the reason the check failed."))
            event = _event(item, data, actor, user, via, reader, reason, client_id, now)
            row = open_row or _new_row(item, d, dev, actor, user, now, None, every_row)
            outcome = "passed" if action == "pass" else "failed"
            ProcessStep.update(outcome=outcome, finished_at=now, end_event=event.id, note=reason,
                               operator=actor, user=user).where(ProcessStep.id == row.id).execute()
            row = ProcessStep.get_by_id(row.id)
            if action == "pass":
                _move_position(item, row, now)
                return StepResult(row=row, event=event)
            target = next((x for x in definition_list if x.code == d.rework_to), None) or d
            # 返工: the target step and everything after it are done again; the sheet keeps the old rows
            ProcessStep.update(is_current=False).where(
                (ProcessStep.item == item.id) & (ProcessStep.position >= target.position)).execute()
            _move_position(item, row, now, step=target, outcome="failed", rework=True)
            return StepResult(row=ProcessStep.get_by_id(row.id), event=event)
        # skip
        if open_row is not None:
            raise StepStateError(code=item.code, step=step_name, state=codes.OUTCOMES.coded("in_progress"))
        ensure_fresh()
        if not reason:
            raise ValidationError(N_("Give the reason for skipping the step."))
        supervisor = _is_supervisor(user)
        if not d.may_skip and not supervisor:
            raise SkipNotAllowedError(step=step_name)
        event = _event(item, data, actor, user, via, reader, reason, client_id, now)
        row = _new_row(item, d, None, actor, user, now, event, every_row)
        ProcessStep.update(outcome="skipped", finished_at=now, end_event=event.id, note=reason,
                           allowed_by=actor if supervisor and not d.may_skip else None).where(
            ProcessStep.id == row.id).execute()
        row = ProcessStep.get_by_id(row.id)
        _move_position(item, row, now)
        return StepResult(row=row, event=event)


def _bad_action(action):
    raise ValidationError(N_("Unknown action: %(action)s (start, finish, pass, fail or skip)."), action=action)


def _event(item, data, actor, user, via, reader, note, client_id, now):
    return audit.append_event(
        at=now, kind="step", item=item, actor=actor, user=user, holder=item.holder_id, src=item.location_id,
        dst=item.location_id, reader=reader, via=via, state=item.state, note=note,
        data=json.dumps(data, sort_keys=True, ensure_ascii=False), client_id=client_id)


def _new_row(item, d, dev, actor, user, now, event, every_row) -> ProcessStep:
    earlier = [r for r in every_row if r.step == d.code]
    return queries.insert_step(ProcessStep(
        item=item, step=d.code, step_zh=d.name_zh, step_en=d.name_en, position=d.position, counts=d.counts,
        device=dev.item_id if dev else None, operator=actor, user=user, started_at=now, start_event=event,
        round=len(earlier)))


def check_station_settings(step: str | None, device: str | None) -> None:
    """Check a desk station's step settings: a step that is no quality check, a known device.

    Raises StepNotFound, DeviceNotFound, ValidationError."""
    if not step:
        raise ValidationError(N_("A station in step mode needs the step (settings: step)."))
    d = get_step(step)
    if d.is_check:
        raise ValidationError(N_("A quality check is passed or failed by a person, not by a desk station."))
    if device:
        _device(device)
    elif d.needs_device:
        raise DeviceNeededError(step=label(d))


def record_station_step(item: Item, step: str, *, device: str | None, reader, location: Location | None,
                        now: datetime | None = None) -> StepResult:
    """A desk station's read: starts the step, or finishes it when it is in progress (a counted step takes
    the catalogue's page count). Raises what record_step raises."""
    open_row = (ProcessStep.select(ProcessStep.id).where(
        (ProcessStep.item == item.id) & (ProcessStep.step == step) & (ProcessStep.outcome == "in_progress")
        & (ProcessStep.is_current == True)).exists())  # noqa: E712
    d = get_step(step)
    count = item.pages if open_row and d.counts != "none" else None
    return record_step(item, step, "finish" if open_row else "start", actor=None, device=device, count=count,
                       location=location, via="reader", reader=reader, now=now)


# ---------------------------------------------------------------- the sheet

def sheet(code) -> tuple[Item, list[ProcessStep], list]:
    """A volume's sheet: the item, its step rows in order (all rounds), and its custody events.

    Raises ItemNotFound."""
    item = code if isinstance(code, Item) else Item.by_code(code)
    rows = list(ProcessStep.select().where(ProcessStep.item == item.id)
                .order_by(ProcessStep.started_at, ProcessStep.id))
    from ..models import Event
    events = list(Event.select().where((Event.item == item.id) & (Event.kind != "step")).order_by(Event.id))
    return item, rows, events


# ---------------------------------------------------------------- assignments

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
