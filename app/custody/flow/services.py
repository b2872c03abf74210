"""Flow sheet services: step definitions, devices, one step change per call (one transaction, one
hash-chained custody event), assignments.
"""
import json
from dataclasses import dataclass
from datetime import datetime

from app.db import write_tx

from .. import audit, clock, statements
from ..errors import N_, IdempotencyKeyReusedError, QuarantinedError, ValidationError
from ..models import Item, Location, Person, User, UserRole
from ..models.base import row_by
from ..scans import scoped_client_id
from ..services import _item
from . import codes, rules
from . import statements as queries
from .devices import _check_device, _device
from .errors import (
    CountNeededError,
    DeviceNeededError,
    NotYourOrganisationError,
    SkipNotAllowedError,
    StepNotFound,
    StepOutOfOrderError,
    StepStateError,
)
from .models import ProcessStep, StepDef

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


# ---------------------------------------------------------------- step scans

def _is_supervisor(user) -> bool:
    if user is None:
        return False
    if isinstance(user, User):
        return "supervisor" in user.roles
    return UserRole.select().where((UserRole.user == user) & (UserRole.role == "supervisor")).exists()


def _replay(client_id: str | None) -> StepResult | None:
    if not client_id:
        return None
    event = statements.event_by_client_id(client_id)
    if event is None:
        return None
    row = (ProcessStep.select().where((ProcessStep.start_event == event.id) | (ProcessStep.end_event == event.id))
           .first())
    return StepResult(row=row, event=event, replayed=True)


def _ensure_same_request(done: StepResult, item: Item, step: str, action: str) -> None:
    """A key already recorded answers only the same step scan again; raises IdempotencyKeyReusedError."""
    data = json.loads(done.event.data or "{}")
    if (done.event.item_id != item.id or data.get("step") != (step or "").strip().lower()
            or data.get("action") != action):
        raise IdempotencyKeyReusedError(code=row_by(Item, "id", done.event.item_id).code)


def _move_position(item: Item, row: ProcessStep, now: datetime, *, step: StepDef | None = None,
                   outcome: str | None = None, rework: bool = False) -> None:
    values = {"step": (step.code if step else row.step), "position": (step.position if step else row.position),
              "outcome": outcome or row.outcome, "since": now}
    queries.move_position(item.id, rework=rework, **values)


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
    client_id = scoped_client_id(user, client_id)  # as scans: one login's key never answers another's
    with write_tx():
        item = code if isinstance(code, Item) else _item(code)
        if (done := _replay(client_id)) is not None:
            _ensure_same_request(done, item, step, action)
            return done
        if item.kind != "volume":
            raise ValidationError(N_("%(code)s is not a volume."), code=item.code)
        if item.state == "quarantined":
            raise QuarantinedError(code=item.code)
        # the holder is read only when it is somebody else (a volume in storage or the actor's own: no read)
        holder = (actor if item.holder_id is None or (actor is not None and item.holder_id == actor.id)
                  else row_by(Person, "id", item.holder_id))
        if not rules.same_organisation(holder, actor):
            raise NotYourOrganisationError(code=item.code, organisation=holder.organisation or "—")
        d = next((x for x in definition_list if x.code == (step or "").strip().lower()), None)
        if d is None:
            raise StepNotFound(step=step)
        step_name = label(d)
        every_row = queries.rows_of(item.id)
        rows = [r for r in every_row if r.is_current]
        completed = rules.completed_steps(rows)
        open_row = next((r for r in rows if r.step == d.code and r.outcome == "in_progress"), None)
        dev = _device(device) if device else None
        if dev is not None:  # the workstation matters only for a device: read the volume's place only then
            where = location or (row_by(Location, "id", item.location_id) if item.location_id else None)
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
