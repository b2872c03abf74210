"""The media register's services: one function per state change, one transaction each, typed refusals.

Every change of custody or state of a registered item (registration, loan, return, repair, unsealing,
re-sealing, the end) appends one hash-chained custody event through the core's _record, in the same
transaction as the register rows. Nothing here deletes a register row.
"""
from datetime import date, datetime

from peewee import fn

from app.db import write_tx

from .. import alerts, audit, clock, rules, statements
from ..codes import format_code, normalize_scan
from ..errors import (
    N_,
    ConflictError,
    CustodyError,
    ItemNotFound,
    NotAllowedError,
    NotFoundError,
    ValidationError,
)
from ..models import CODE_PREFIX, Alert, Item, Location, Person, User, UserRole
from ..services import _ensure_badge_active, _record
from . import codes
from .models import (
    MediaCount,
    MediaCountLine,
    MediaDisposal,
    MediaLoan,
    MediaRecord,
    MediaRepair,
    MediaSeal,
    MediaSettings,
    MediaUnsealing,
)
from .rules import LoanRequiredError, ensure_moved_by_loan  # noqa: F401 (re-exported)


class NotRegisteredError(CustodyError):
    code = "not_registered"
    status = 404
    template = N_("%(code)s is not in the media register.")


class OnLoanError(CustodyError):
    code = "on_loan"
    status = 409
    template = N_("%(code)s is on loan to %(holder)s: it cannot be lent again before it is returned.")


class BorrowerNotPermittedError(CustodyError):
    code = "borrower_not_permitted"
    status = 403
    template = N_("%(name)s is not among the people the site permits to borrow media.")


class EndedError(CustodyError):
    code = "ended"
    status = 409
    template = N_("%(code)s has reached its end (%(end)s): nothing more can be done with it.")
    translatable = ("end",)


class RepairNotApprovedError(CustodyError):
    code = "repair_not_approved"
    status = 422
    template = N_("Sending out for repair needs a written approval record, its approver and a supervising "
                  "person of the archive department.")


class CountNotExplainedError(CustodyError):
    code = "count_not_explained"
    status = 422
    template = N_("Every difference must be explained before the count is closed: %(codes)s.")



def _now(now: datetime | None) -> datetime:
    return now or clock.now()


def _text(value, limit: int | None = None) -> str:
    text = (value or "").strip()
    return text[:limit] if limit else text


def item_of(item_or_code) -> Item:
    """The Item for an Item or a scanned code; raises ItemNotFound."""
    return item_or_code if isinstance(item_or_code, Item) else Item.by_code(item_or_code)


def person_of(person_or_badge, *, missing: str | None = None) -> Person | None:
    """The Person for a Person or a badge code; blank gives None, or ValidationError(missing) when given.

    Raises PersonNotFound for an unknown badge.
    """
    if isinstance(person_or_badge, Person):
        return person_or_badge
    if not (person_or_badge or "").strip():
        if missing:
            raise ValidationError(missing)
        return None
    return Person.by_badge(person_or_badge)


def location_of(location_or_code) -> Location | None:
    """The Location for a Location or a code (None for blank); raises LocationNotFound."""
    if location_or_code is None or isinstance(location_or_code, Location):
        return location_or_code
    if not location_or_code.strip():
        return None
    return Location.by_code(location_or_code)


def record_of(item_or_code) -> MediaRecord:
    """The register entry of a medium or piece of equipment; raises ItemNotFound, NotRegisteredError."""
    item = item_of(item_or_code)
    record = MediaRecord.get_or_none(MediaRecord.item == item.id)
    if record is None:
        raise NotRegisteredError(code=item.code)
    record.item = item
    return record


def locked_record(item_or_code) -> MediaRecord:
    """record_of, with the item's row locked on PostgreSQL (the core's lock order: item first), so two
    racing writers (two loans of one medium) see each other; raises ItemNotFound, NotRegisteredError."""
    code = item_or_code.code if isinstance(item_or_code, Item) else normalize_scan(item_or_code)
    item = statements.item_by_code(code)
    if item is None:
        raise ItemNotFound(code=code)
    return record_of(item)


def _user_id(user):
    return user.id if isinstance(user, User) else user


def _ensure_not_ended(record: MediaRecord) -> None:
    if record.status == "ended":
        last = (MediaDisposal.select().where((MediaDisposal.item == record.item_id)
                                             & MediaDisposal.kind.in_(codes.END_KINDS.values_tuple))
                .order_by(MediaDisposal.id.desc()).first())
        raise EndedError(code=record.item.code, end=codes.END_KINDS.msgid(last.kind) if last else "")


def _open_loan(item: Item) -> MediaLoan | None:
    return (MediaLoan.select().where((MediaLoan.item == item.id) & MediaLoan.returned_at.is_null())
            .order_by(MediaLoan.id.desc()).first())


def _event_data(**values) -> str:
    return audit.canonical_json({k: v for k, v in values.items() if v not in (None, "")})


# ---------------------------------------------------------------- register

def _next_code(kind: str) -> str:
    prefix = CODE_PREFIX[kind]
    width = len(format_code(prefix, 0))
    highest = (Item.select(fn.MAX(Item.code))
               .where(Item.code.startswith(prefix) & (fn.LENGTH(Item.code) == width)).scalar())
    number = int(highest[len(prefix):]) + 1 if highest and highest[len(prefix):].isdigit() else 1
    return format_code(prefix, number)


def register(*, category: str, serial_no: str, make: str = "", capacity: str = "", owner_org: str = "archive",
             keeper=None, cabinet=None, device=None, checked_on: date | None = None, checked_by=None,
             code: str = "", note: str = "", actor: Person | None = None, user=None,
             now: datetime | None = None) -> MediaRecord:
    """Register one medium or piece of equipment (an internal disk names its device); returns the entry.

    An existing media/device item named by `code` is registered as it is; otherwise an item is created
    with the next code. Raises ValidationError, ConflictError (serial or item already registered),
    ItemNotFound, PersonNotFound, LocationNotFound.
    """
    now = _now(now)
    if category not in codes.CATEGORIES:
        raise ValidationError(N_("Unknown category: %(value)s."), value=category)
    if owner_org not in codes.OWNER_ORGS:
        raise ValidationError(N_("The owner is the archive department or the service organisation."))
    serial_no = _text(serial_no, 100)
    if not serial_no:
        raise ValidationError(N_("Give the serial number."))
    kind = "media" if category in codes.MEDIA_CATEGORIES else "device"
    keeper, checked_by = person_of(keeper), person_of(checked_by)
    cabinet = location_of(cabinet)
    device_item = item_of(device) if device not in (None, "") else None
    if device_item is not None and (category != "internal_disk" or device_item.kind != "device"):
        raise ValidationError(N_("Only an internal hard disk is registered inside a piece of equipment."))
    with write_tx():
        clash = (MediaRecord.select(Item.code).join(Item, on=(MediaRecord.item == Item.id))
                 .where((Item.serial_no == serial_no) & (MediaRecord.category == category)).first())
        if clash is not None:
            raise ConflictError(N_("A %(category)s with serial %(serial)s is already registered as %(code)s."),
                                category=codes.CATEGORIES[category], serial=serial_no, code=clash.item.code)
        if code.strip():
            item = Item.by_code(code)
            if item.kind != kind:
                raise ValidationError(N_("%(code)s is not a medium or a device of that kind."), code=item.code)
            if MediaRecord.get_or_none(MediaRecord.item == item.id) is not None:
                raise ConflictError(N_("%(code)s is already in the media register."), code=item.code)
            Item.update(media_type=codes.CATEGORIES.msgid(category), capacity=_text(capacity, 50), serial_no=serial_no,
                        custodian=keeper).where(Item.id == item.id).execute()
        else:
            item = Item.create(code=_next_code(kind), kind=kind, title=_text(make, 200) or category,
                               media_type=codes.CATEGORIES.msgid(category), capacity=_text(capacity, 50), serial_no=serial_no,
                               custodian=keeper, state=rules.state_at(cabinet) if cabinet else "in_storage",
                               location=cabinet, state_since=now, created_at=now)
        record = MediaRecord.create(item=item, category=category, make=_text(make, 200), owner_org=owner_org,
                                    keeper=keeper, cabinet=cabinet, device=device_item, checked_on=checked_on,
                                    checked_by=checked_by, registered_at=now, registered_by=_user_id(user),
                                    note=_text(note))
        state = rules.state_at(cabinet) if cabinet is not None else item.state
        _record(item, "media_register", dst=cabinet if cabinet is not None else item.location,
                holder=None if state == "in_storage" else item.holder, state=state, actor=actor, user=user,
                via="web", reader=None, now=now,
                data=_event_data(category=category, serial=serial_no, owner=owner_org,
                                 device=device_item.code if device_item else None))
    record.item = item
    return record


# ---------------------------------------------------------------- settings

def settings() -> MediaSettings:
    """The area's settings (a default row when none was saved)."""
    row = MediaSettings.select().order_by(MediaSettings.id).first()
    return row if row is not None else MediaSettings(borrower_roles="supervisor", borrower_badges="",
                                                     count_every_days=30)


def update_settings(*, borrower_roles, borrower_badges: str, count_every_days: int, user=None,
                    now: datetime | None = None) -> MediaSettings:
    """Set who may borrow media and the counting interval; raises ValidationError, PersonNotFound."""
    from ..models import ROLES

    now = _now(now)
    roles = [r for r in borrower_roles if r]
    for role in roles:
        if role not in ROLES:
            raise ValidationError(N_("Unknown role: %(value)s."), value=role)
    badges = [normalize_scan(b) for b in (borrower_badges or "").replace("，", ",").replace("\n", ",").split(",")
              if b.strip()]
    for badge in badges:
        Person.by_badge(badge)
    if not 1 <= int(count_every_days) <= 366:
        raise ValidationError(N_("Count every 1 to 366 days."))
    with write_tx():
        row = MediaSettings.select().order_by(MediaSettings.id).first() or MediaSettings()
        row.borrower_roles, row.borrower_badges = ",".join(roles), ",".join(badges)
        row.count_every_days, row.updated_at = int(count_every_days), now
        row.save()
        audit.append_audit("media.settings", user=user if isinstance(user, User) else None,
                           target="media_settings", detail={"borrower_roles": roles, "borrower_badges": badges,
                                                            "count_every_days": int(count_every_days)}, at=now)
    return row


def may_borrow(person: Person) -> bool:
    """Whether the site's settings name this person, or one of their accounts' roles, as a borrower."""
    current = settings()
    badges = {b for b in current.borrower_badges.split(",") if b}
    if person.badge_code in badges:
        return True
    roles = {r for r in current.borrower_roles.split(",") if r}
    if not roles:
        return False
    return (UserRole.select().join(User, on=(UserRole.user == User.id))
            .where((User.person == person.id) & (User.is_active == True) & UserRole.role.in_(roles))  # noqa: E712
            .exists())


# ---------------------------------------------------------------- loans

def lend(item, *, borrower, reason: str, due_at: datetime, approved_by, starts_at: datetime | None = None,
         actor: Person | None = None, user=None, note: str = "", now: datetime | None = None) -> MediaLoan:
    """Lend a registered medium to a named, active, permitted person for an approved time span.

    Raises NotRegisteredError, OnLoanError, EndedError, ConflictError (under repair), ValidationError,
    BadgeNotActiveError, BorrowerNotPermittedError.
    """
    now = _now(now)
    borrower = person_of(borrower, missing=N_("Name the borrower (badge code)."))
    approved_by = person_of(approved_by, missing=N_("Name who approved the loan (badge code)."))
    reason = _text(reason)
    if not reason:
        raise ValidationError(N_("Give the reason for the loan."))
    starts_at = starts_at or now
    if due_at is None or due_at <= starts_at:
        raise ValidationError(N_("The approved time span must end after it starts."))
    with write_tx():
        record = locked_record(item)
        item = record.item
        if item.kind != "media":
            raise ValidationError(N_("Only media are lent; equipment stays in place."))
        _ensure_not_ended(record)
        if (loan := _open_loan(item)) is not None:
            raise OnLoanError(code=item.code, holder=loan.borrower.name)
        if record.status == "under_repair":
            raise ConflictError(N_("%(code)s is under repair."), code=item.code)
        rules.ensure_movable(item)
        _ensure_badge_active(borrower, now)
        if not may_borrow(borrower):
            raise BorrowerNotPermittedError(name=borrower.name)
        loan = MediaLoan.create(item=item, borrower=borrower, reason=reason, starts_at=starts_at, due_at=due_at,
                                issued_by=_user_id(user), approved_by=approved_by, keeper=actor,
                                note=_text(note))
        _record(item, "loan", dst=None, holder=borrower, state="out", actor=actor, user=user, via="web",
                reader=None, now=now, note=reason,
                data=_event_data(loan=loan.id, due_at=due_at.isoformat(timespec="minutes"),
                                 approved_by=approved_by.name))
        MediaRecord.update(status="on_loan").where(MediaRecord.id == record.id).execute()
    return loan


def loan_of(loan_or_id) -> MediaLoan:
    """The loan for a MediaLoan or an id; raises NotFoundError."""
    if isinstance(loan_or_id, MediaLoan):
        return loan_or_id
    loan = MediaLoan.get_or_none(MediaLoan.id == int(loan_or_id))
    if loan is None:
        raise NotFoundError(N_("Unknown loan: %(id)s"), id=loan_or_id)
    return loan


def take_back(loan, *, condition: str, action: str, actor: Person | None, user=None, note: str = "",
              now: datetime | None = None) -> MediaLoan:
    """The keeper takes a lent medium back: time, condition, what was done; the keeper's side is confirmed.

    Raises NotFoundError, ConflictError (already returned), ValidationError.
    """
    now = _now(now)
    condition = _text(condition, 200)
    if not condition:
        raise ValidationError(N_("Describe the condition the medium came back in."))
    if action not in codes.RETURN_ACTIONS:
        raise ValidationError(N_("Say what was done with the medium: verified, wiped or contents handed over."))
    with write_tx():
        loan = loan_of(loan)
        record = locked_record(Item.get_by_id(loan.item_id))
        loan = MediaLoan.get_by_id(loan.id)  # read again under the item's lock
        if loan.returned_at is not None:
            raise ConflictError(N_("This loan was already returned."))
        item = record.item
        loan.returned_at, loan.return_condition, loan.return_action = now, condition, action
        loan.received_by, loan.keeper = _user_id(user), actor or loan.keeper
        loan.keeper_confirmed_at = now
        if note:
            loan.note = (loan.note + "\n" + _text(note)).strip()
        loan.save()
        cabinet = record.cabinet
        state = rules.state_at(cabinet) if cabinet is not None else "in_storage"
        _record(item, "loan_return", dst=cabinet, holder=None if state == "in_storage" else loan.borrower,
                state=state, actor=actor, user=user, via="web", reader=None, now=now, note=condition,
                data=_event_data(loan=loan.id, action=action))
        MediaRecord.update(status="registered").where(MediaRecord.id == record.id).execute()
        alerts.resolve_open_for_item(item, ("medium_overdue",), note="medium returned", now=now)
    return loan


def confirm_return(loan, *, by: User, now: datetime | None = None) -> MediaLoan:
    """The borrower (or the keeper) confirms a return with their own login; raises NotAllowedError, ConflictError."""
    now = _now(now)
    with write_tx():
        loan = loan_of(loan)
        if loan.returned_at is None:
            raise ConflictError(N_("The medium has not been returned yet."))
        person_id = by.person_id if by is not None else None
        if person_id is not None and person_id == loan.borrower_id:
            if loan.borrower_confirmed_at is not None:
                raise ConflictError(N_("The borrower has already confirmed this return."))
            loan.borrower_confirmed_at = now
            side = "borrower"
        elif person_id is not None and person_id == loan.keeper_id and loan.keeper_confirmed_at is None:
            loan.keeper_confirmed_at = now
            side = "keeper"
        else:
            raise NotAllowedError(N_("Only the borrower (%(name)s) can confirm this return."),
                                  name=loan.borrower.name)
        loan.save()
        audit.append_audit("media.loan.confirm", user=by, target=f"media_loan:{loan.id}",
                           detail={"side": side, "code": loan.item.code}, at=now)
    return loan


# ---------------------------------------------------------------- counts

def start_count(cabinet, *, keeper: Person | None, user=None, now: datetime | None = None) -> MediaCount:
    """Open a count of one cabinet; raises LocationNotFound, ConflictError (a count of it is open)."""
    now = _now(now)
    cabinet = location_of(cabinet)
    if cabinet is None:
        raise ValidationError(N_("Name the cabinet to count."))
    with write_tx():
        if MediaCount.select().where((MediaCount.cabinet == cabinet.id) & (MediaCount.status == "open")).exists():
            raise ConflictError(N_("A count of %(name)s is already in progress."), name=cabinet.name)
        registered = _registered_in(cabinet).count()
        return MediaCount.create(cabinet=cabinet, keeper=keeper, started_by=_user_id(user), started_at=now,
                                 registered=registered)


def count_of(count_or_id) -> MediaCount:
    """The count for a MediaCount or an id; raises NotFoundError."""
    if isinstance(count_or_id, MediaCount):
        return count_or_id
    count = MediaCount.get_or_none(MediaCount.id == int(count_or_id))
    if count is None:
        raise NotFoundError(N_("Unknown count: %(id)s"), id=count_or_id)
    return count


def _registered_in(cabinet: Location):
    return (MediaRecord.select(MediaRecord, Item).join(Item, on=(MediaRecord.item == Item.id))
            .where((MediaRecord.cabinet == cabinet.id) & (MediaRecord.status != "ended")))


def count_scan(count, code, *, via: str = "web", now: datetime | None = None) -> MediaCountLine:
    """Record one medium seen in the cabinet: present if registered there, else unexpected (idempotent).

    Raises NotFoundError, ItemNotFound, ConflictError (count closed).
    """
    now = _now(now)
    with write_tx():
        count = count_of(count)
        if count.status != "open":
            raise ConflictError(N_("This count is closed."))
        item = item_of(code)
        line = MediaCountLine.get_or_none((MediaCountLine.count == count.id) & (MediaCountLine.item == item.id))
        if line is not None:
            return line
        record = MediaRecord.get_or_none(MediaRecord.item == item.id)
        here = record is not None and record.cabinet_id == count.cabinet_id and record.status != "ended"
        return MediaCountLine.create(count=count, item=item, result="present" if here else "unexpected",
                                     via=via, at=now)


def count_from_readers(count, *, now: datetime | None = None) -> int:
    """Take in what the cabinet's shelf readers read since the count started; returns how many were new."""
    from ..models import Reader, ReaderRead

    count = count_of(count)
    seen = {i for (i,) in MediaCountLine.select(MediaCountLine.item).where(MediaCountLine.count == count.id)
            .tuples()}
    items = {i for (i,) in ReaderRead.select(ReaderRead.item)
             .join(Reader, on=(ReaderRead.reader == Reader.id))
             .where(((ReaderRead.location == count.cabinet_id) | (Reader.location == count.cabinet_id))
                    & ReaderRead.item.is_null(False) & (ReaderRead.kind == "read")
                    & (ReaderRead.outcome != "unapproved")  # a reader nobody approved counts nothing
                    & (ReaderRead.read_at >= count.started_at)).tuples()}
    added = 0
    for item_id in sorted(items - seen):
        item = Item.get_by_id(item_id)
        if item.kind in ("media", "device"):
            count_scan(count, item, via="reader", now=now)
            added += 1
    return added


def count_differences(count) -> list[tuple[Item, str, str]]:
    """(item, result, automatic explanation) for every registered item not seen and every unexpected one."""
    count = count_of(count)
    lines = {line.item_id: line for line in MediaCountLine.select().where(MediaCountLine.count == count.id)}
    out = []
    cabinet = Location.get_by_id(count.cabinet_id)
    for record in _registered_in(cabinet).order_by(Item.code):
        if record.item_id in lines:
            continue
        loan = _open_loan(record.item)
        if loan is not None:
            out.append((record.item, "on_loan", f"{loan.borrower.name} · {loan.reason}"))
        elif record.status == "under_repair":
            out.append((record.item, "on_loan", "repair"))
        else:
            out.append((record.item, "missing", ""))
    for line in lines.values():
        if line.result == "unexpected":
            out.append((Item.get_by_id(line.item_id), "unexpected", ""))
    return out


def close_count(count, *, explanations: dict[str, str], user=None, now: datetime | None = None) -> MediaCount:
    """Close a count: every missing or unexpected medium needs an explanation (keyed by item code).

    Raises NotFoundError, ConflictError (already closed), CountNotExplainedError.
    """
    now = _now(now)
    clean = {normalize_scan(k): _text(v) for k, v in (explanations or {}).items() if _text(v)}
    with write_tx():
        count = count_of(count)
        if count.status != "open":
            raise ConflictError(N_("This count is closed."))
        diffs = count_differences(count)
        unexplained = [item.code for item, result, _auto in diffs
                       if result in codes.DIFFERENCES and item.code not in clean]
        if unexplained:
            raise CountNotExplainedError(codes=", ".join(unexplained))
        for item, result, auto in diffs:
            text = clean.get(item.code) or auto
            if result == "unexpected":
                (MediaCountLine.update(explanation=text)
                 .where((MediaCountLine.count == count.id) & (MediaCountLine.item == item.id)).execute())
            else:
                MediaCountLine.create(count=count, item=item, result=result, explanation=text, via="system",
                                      at=now)
        tally = dict(MediaCountLine.select(MediaCountLine.result, fn.COUNT(MediaCountLine.id))
                     .where(MediaCountLine.count == count.id).group_by(MediaCountLine.result).tuples())
        count.status, count.closed_at = "closed", now
        count.registered = _registered_in(Location.get_by_id(count.cabinet_id)).count()
        for result in codes.COUNT_RESULTS:
            setattr(count, result, tally.get(result, 0))
        count.save()
        audit.append_audit("media.count.close", user=user if isinstance(user, User) else None,
                           target=f"media_count:{count.id}",
                           detail={r: tally.get(r, 0) for r in codes.COUNT_RESULTS}, at=now)
        (Alert.update(status="resolved", resolved_at=now, resolution="counted", is_auto_resolved=True)
         .where((Alert.kind == "media_count_due") & (Alert.location == count.cabinet_id)
                & (Alert.status != "resolved")).execute())
    return count


# ---------------------------------------------------------------- seals and port unsealing

def register_seal(device, *, port: str, number: str, actor: Person | None = None, user=None,
                  now: datetime | None = None) -> MediaSeal:
    """Register the seal (封条) on a port of a device; the port's previous seal counts as removed."""
    now = _now(now)
    port, number = _text(port, 100), _text(number, 100)
    if not port or not number:
        raise ValidationError(N_("Give the port and the seal number."))
    with write_tx():
        record = record_of(device)
        if record.item.kind != "device":
            raise ValidationError(N_("Seals are put on the ports of equipment."))
        _ensure_not_ended(record)
        (MediaSeal.update(removed_at=now).where((MediaSeal.device == record.item_id) & (MediaSeal.port == port)
                                                & MediaSeal.removed_at.is_null()).execute())
        seal = MediaSeal.create(device=record.item, port=port, number=number, sealed_at=now, sealed_by=actor)
        item = record.item
        _record(item, "seal", dst=item.location, holder=item.holder, state=item.state, actor=actor, user=user,
                via="web", reader=None, now=now, data=_event_data(port=port, seal=number))
    return seal


def check_seal(seal_id: int, *, intact: bool, note: str = "", actor: Person | None = None, user=None,
               now: datetime | None = None) -> MediaSeal:
    """Record an inspection of a seal; a broken seal opens a critical alert. Raises NotFoundError."""
    now = _now(now)
    with write_tx():
        seal = MediaSeal.get_or_none(MediaSeal.id == seal_id)
        if seal is None:
            raise NotFoundError(N_("Unknown seal: %(id)s"), id=seal_id)
        seal.checked_at, seal.checked_by, seal.check_note = now, actor, _text(note) or ("intact" if intact else "")
        seal.save()
        audit.append_audit("media.seal.check", user=user if isinstance(user, User) else None,
                           target=f"media_seal:{seal.id}", detail={"intact": intact, "note": seal.check_note},
                           at=now)
        if not intact:
            alerts.open_alert("seal_broken", severity="critical", item=seal.device, person=actor,
                              message=seal.check_note, dedupe_key=f"seal_broken:{seal.id}", now=now,
                              data=audit.canonical_json({"code": seal.device.code, "port": seal.port,
                                                         "seal": seal.number}))
    return seal


def unsealing_of(unsealing_or_id) -> MediaUnsealing:
    """The unsealing for a MediaUnsealing or an id; raises NotFoundError."""
    if isinstance(unsealing_or_id, MediaUnsealing):
        return unsealing_or_id
    row = MediaUnsealing.get_or_none(MediaUnsealing.id == int(unsealing_or_id))
    if row is None:
        raise NotFoundError(N_("Unknown unsealing: %(id)s"), id=unsealing_or_id)
    return row


def request_unsealing(device, *, port: str, reason: str, planned_start: datetime, planned_end: datetime,
                      medium=None, requested_by: Person | None = None, user=None,
                      now: datetime | None = None) -> MediaUnsealing:
    """Ask to unseal a device's port for a transfer or backup, naming the medium and the time span.

    Raises NotRegisteredError, ValidationError, EndedError.
    """
    now = _now(now)
    port, reason = _text(port, 100), _text(reason)
    if not port or not reason:
        raise ValidationError(N_("Give the port and the reason."))
    if planned_start is None or planned_end is None or planned_end <= planned_start:
        raise ValidationError(N_("The approved time span must end after it starts."))
    with write_tx():
        record = record_of(device)
        if record.item.kind != "device":
            raise ValidationError(N_("Seals are put on the ports of equipment."))
        _ensure_not_ended(record)
        medium_item = record_of(medium).item if medium not in (None, "") else None
        row = MediaUnsealing.create(device=record.item, port=port, reason=reason, medium=medium_item,
                                    planned_start=planned_start, planned_end=planned_end,
                                    requested_by=requested_by, requested_at=now)
        audit.append_audit("media.unsealing.request", user=user if isinstance(user, User) else None,
                           target=f"media_unsealing:{row.id}",
                           detail={"device": record.item.code, "port": port}, at=now)
    return row


def approve_unsealing(unsealing, *, approver: Person, user=None, now: datetime | None = None) -> MediaUnsealing:
    """An approver of the archive department approves; raises NotAllowedError, ConflictError."""
    now = _now(now)
    with write_tx():
        row = unsealing_of(unsealing)
        if row.status != "requested":
            raise ConflictError(N_("This unsealing is not waiting for approval."))
        if approver is None or approver.org_kind != "archive":
            raise NotAllowedError(N_("An unsealing is approved by a person of the archive department."))
        row.status, row.approved_by, row.approved_at = "approved", approver, now
        row.save()
        audit.append_audit("media.unsealing.approve", user=user if isinstance(user, User) else None,
                           target=f"media_unsealing:{row.id}", detail={"approver": approver.name}, at=now)
    return row


def start_unsealing(unsealing, *, supervisor, actor: Person | None = None, user=None,
                    now: datetime | None = None) -> MediaUnsealing:
    """Open the port under a named supervising person; the port's seal is recorded as removed.

    Raises ConflictError (not approved), ValidationError, BadgeNotActiveError.
    """
    now = _now(now)
    supervisor = person_of(supervisor, missing=N_("Name the supervising person (badge code)."))
    with write_tx():
        row = unsealing_of(unsealing)
        if row.status != "approved":
            raise ConflictError(N_("Only an approved unsealing can start."))
        _ensure_badge_active(supervisor, now)
        seal = (MediaSeal.select().where((MediaSeal.device == row.device_id) & (MediaSeal.port == row.port)
                                         & MediaSeal.removed_at.is_null()).first())
        if seal is not None:
            seal.removed_at = now
            seal.save()
        row.status, row.supervisor, row.started_at = "open", supervisor, now
        row.old_seal = seal.number if seal else ""
        row.save()
        item = Item.get_by_id(row.device_id)
        _record(item, "port_unseal", dst=item.location, holder=item.holder, state=item.state, actor=actor,
                user=user, via="web", reader=None, now=now, note=row.reason,
                data=_event_data(unsealing=row.id, port=row.port, supervisor=supervisor.name,
                                 old_seal=row.old_seal))
    return row


def end_unsealing(unsealing, *, new_seal: str, actor: Person | None = None, note: str = "", user=None,
                  now: datetime | None = None) -> MediaUnsealing:
    """Close the port again with a new seal (registered on the device); raises ConflictError, ValidationError."""
    now = _now(now)
    new_seal = _text(new_seal, 100)
    if not new_seal:
        raise ValidationError(N_("Give the number of the new seal."))
    with write_tx():
        row = unsealing_of(unsealing)
        if row.status != "open":
            raise ConflictError(N_("Only an open port can be re-sealed."))
        MediaSeal.create(device=row.device_id, port=row.port, number=new_seal, sealed_at=now, sealed_by=actor)
        row.status, row.new_seal, row.ended_at, row.ended_by = "closed", new_seal, now, actor
        row.note = _text(note)
        row.save()
        item = Item.get_by_id(row.device_id)
        _record(item, "port_reseal", dst=item.location, holder=item.holder, state=item.state, actor=actor,
                user=user, via="web", reader=None, now=now,
                data=_event_data(unsealing=row.id, port=row.port, seal=new_seal))
        (Alert.update(status="resolved", resolved_at=now, resolution="re-sealed", is_auto_resolved=True)
         .where((Alert.dedupe_key == f"unsealing_overdue:{row.id}") & (Alert.status != "resolved")).execute())
    return row


# ---------------------------------------------------------------- repairs

def send_for_repair(item, *, approval_ref: str, approved_by, supervisor, repairer: str = "", fault: str = "",
                    actor: Person | None = None, user=None, now: datetime | None = None) -> MediaRepair:
    """Send equipment or a medium out for repair (5.10); it is "under repair" until back and checked.

    Raises RepairNotApprovedError (no written approval, approver or supervisor of the archive department),
    NotRegisteredError, OnLoanError, EndedError, ConflictError.
    """
    now = _now(now)
    approval_ref = _text(approval_ref, 200)
    approved_by = person_of(approved_by) if (approved_by or "") != "" else None
    supervisor = person_of(supervisor) if (supervisor or "") != "" else None
    if (not approval_ref or approved_by is None or supervisor is None
            or approved_by.org_kind != "archive" or supervisor.org_kind != "archive"):
        raise RepairNotApprovedError()
    with write_tx():
        record = locked_record(item)
        item = record.item
        _ensure_not_ended(record)
        if (loan := _open_loan(item)) is not None:
            raise OnLoanError(code=item.code, holder=loan.borrower.name)
        if record.status == "under_repair":
            raise ConflictError(N_("%(code)s is under repair."), code=item.code)
        _ensure_badge_active(supervisor, now)
        repair = MediaRepair.create(item=item, approval_ref=approval_ref, approved_by=approved_by,
                                    supervisor=supervisor, repairer=_text(repairer, 200), fault=_text(fault),
                                    sent_at=now, sent_by=actor)
        _record(item, "repair_out", dst=None, holder=supervisor, state="out", actor=actor, user=user, via="web",
                reader=None, now=now, note=_text(fault),
                data=_event_data(repair=repair.id, approval=approval_ref, supervisor=supervisor.name))
        MediaRecord.update(status="under_repair").where(MediaRecord.id == record.id).execute()
    return repair


def repair_back(repair_id, *, check_note: str, actor: Person | None = None, user=None,
                now: datetime | None = None) -> MediaRepair:
    """The item is back from repair and checked; it returns to its cabinet. Raises NotFoundError, ConflictError."""
    now = _now(now)
    check_note = _text(check_note)
    if not check_note:
        raise ValidationError(N_("Say how the item was checked on its return."))
    with write_tx():
        repair = repair_id if isinstance(repair_id, MediaRepair) else MediaRepair.get_or_none(
            MediaRepair.id == int(repair_id))
        if repair is None:
            raise NotFoundError(N_("Unknown repair: %(id)s"), id=repair_id)
        if repair.status != "out":
            raise ConflictError(N_("This repair is already closed."))
        record = record_of(Item.get_by_id(repair.item_id))
        repair.status, repair.back_at, repair.checked_by, repair.check_note = "back", now, actor, check_note
        repair.save()
        cabinet = record.cabinet
        state = rules.state_at(cabinet) if cabinet is not None else "in_storage"
        _record(record.item, "repair_back", dst=cabinet, holder=None if state == "in_storage" else actor,
                state=state, actor=actor, user=user, via="web", reader=None, now=now, note=check_note,
                data=_event_data(repair=repair.id))
        MediaRecord.update(status="registered").where(MediaRecord.id == record.id).execute()
    return repair


# ---------------------------------------------------------------- the end

def _handover_number(now: datetime) -> str:
    prefix = f"MH{now:%Y%m%d}-"
    taken = (MediaDisposal.select(fn.COUNT(fn.DISTINCT(MediaDisposal.handover_no)))
             .where(MediaDisposal.handover_no.startswith(prefix)).scalar()) or 0
    return f"{prefix}{taken + 1:03d}"


def dispose(items, *, kind: str, done_by, method: str = "", verification: str = "", witness=None,
            certificate_no: str = "", receiver=None, note: str = "", done_at: datetime | None = None,
            user=None, now: datetime | None = None) -> list[MediaDisposal]:
    """Record the end of media or internal disks: handed over (one list for all), wiped or destroyed.

    Raises ValidationError (a detail the kind needs is missing, or equipment named), NotRegisteredError,
    EndedError, OnLoanError, ConflictError (under repair).
    """
    now = _now(now)
    if kind not in codes.END_KINDS:
        raise ValidationError(N_("Unknown end: %(value)s."), value=kind)
    items = [items] if isinstance(items, (str, Item)) else list(items)
    if not items:
        raise ValidationError(N_("Name at least one medium."))
    done_by = person_of(done_by, missing=N_("Name who did it (badge code)."))
    witness, receiver = person_of(witness), person_of(receiver)
    method, verification = _text(method, 200), _text(verification, 200)
    certificate_no = _text(certificate_no, 100)
    if kind == "handed_over" and (receiver is None or receiver.org_kind != "archive"):
        raise ValidationError(N_("Name the receiver of the archive department."))
    if kind == "wiped" and not (method and verification):
        raise ValidationError(N_("Give the wiping method and how it was verified."))
    if kind == "destroyed" and not (method and witness is not None and certificate_no):
        raise ValidationError(N_("Give the destruction method, the witness and the certificate number."))
    rows = []
    with write_tx():
        handover_no = _handover_number(now) if kind == "handed_over" else ""
        for one in items:
            record = locked_record(one)
            item = record.item
            if item.kind != "media":
                raise ValidationError(N_("%(code)s is equipment: check it for residual information instead."),
                                      code=item.code)
            _ensure_not_ended(record)
            if (loan := _open_loan(item)) is not None:
                raise OnLoanError(code=item.code, holder=loan.borrower.name)
            if record.status == "under_repair":
                raise ConflictError(N_("%(code)s is under repair."), code=item.code)
            row = MediaDisposal.create(item=item, kind=kind, method=method, verification=verification,
                                       witness=witness, certificate_no=certificate_no, receiver=receiver,
                                       handover_no=handover_no, done_by=done_by, done_at=done_at or now,
                                       recorded_by=_user_id(user), note=_text(note))
            _record(item, "dispose", dst=item.location, holder=None, state="retired", actor=done_by, user=user,
                    via="web", reader=None, now=now, note=_text(note),
                    data=_event_data(end=kind, method=method, verification=verification,
                                     witness=witness.name if witness else None, certificate=certificate_no,
                                     receiver=receiver.name if receiver else None, handover=handover_no))
            MediaRecord.update(status="ended").where(MediaRecord.id == record.id).execute()
            rows.append(row)
    return rows


def check_residual(device, *, result: str, done_by, note: str = "", user=None,
                   now: datetime | None = None) -> MediaDisposal:
    """Record the check of a piece of equipment for residual information (7.4); raises ValidationError."""
    now = _now(now)
    if result not in codes.RESIDUAL_RESULTS:
        raise ValidationError(N_("Unknown result: %(value)s."), value=result)
    done_by = person_of(done_by, missing=N_("Name who did it (badge code)."))
    with write_tx():
        record = record_of(device)
        item = record.item
        if item.kind != "device":
            raise ValidationError(N_("Only equipment is checked for residual information."))
        row = MediaDisposal.create(item=item, kind="residual_check", result=result, done_by=done_by, done_at=now,
                                   recorded_by=_user_id(user), note=_text(note))
        _record(item, "residual_check", dst=item.location, holder=item.holder, state=item.state, actor=done_by,
                user=user, via="web", reader=None, now=now, note=_text(note), data=_event_data(result=result))
    return row


# ---------------------------------------------------------------- reconciliation and reminders

def end_state(record: MediaRecord, ends: dict[int, MediaDisposal]) -> str:
    """The end kind of a medium, "checked" for checked equipment, or "" when it has none yet."""
    row = ends.get(record.item_id)
    if row is None:
        return ""
    return row.kind if row.kind != "residual_check" else "checked"


def reconciliation() -> tuple[list[tuple[MediaRecord, MediaDisposal | None]], int]:
    """Every register entry ever made with its end (or residual check for equipment); and how many are open."""
    ends: dict[int, MediaDisposal] = {}
    for row in MediaDisposal.select().order_by(MediaDisposal.id):
        ends[row.item_id] = row
    rows, open_ = [], 0
    for record in (MediaRecord.select(MediaRecord, Item).join(Item, on=(MediaRecord.item == Item.id))
                   .order_by(Item.kind.desc(), Item.code)):
        end = ends.get(record.item_id)
        rows.append((record, end))
        open_ += end is None
    return rows, open_


def check_due(now: datetime | None = None) -> dict[str, int]:
    """Open the area's time-driven alerts: loans past due, unsealings open past their end, cabinets not
    counted for N days. Idempotent (dedupe keys). Returns how many of each were opened."""
    now = _now(now)
    opened = {"medium_overdue": 0, "unsealing_overdue": 0, "media_count_due": 0}
    with write_tx():
        for loan in (MediaLoan.select().where(MediaLoan.returned_at.is_null() & MediaLoan.due_at.is_null(False)
                                              & (MediaLoan.due_at <= now))):
            key = f"medium_overdue:{loan.id}"
            if Alert.select().where(Alert.dedupe_key == key).exists():
                continue
            keeper = loan.keeper.name if loan.keeper_id else ""
            alerts.open_alert("medium_overdue", item=loan.item, person=loan.borrower, location=loan.item.location,
                              dedupe_key=key, now=now, message=loan.reason,
                              data=audit.canonical_json({"code": loan.item.code, "loan": loan.id,
                                                         "due_at": loan.due_at.isoformat(timespec="seconds"),
                                                         "holder": loan.borrower.name, "keeper": keeper,
                                                         "reason": loan.reason}))
            opened["medium_overdue"] += 1
        for row in MediaUnsealing.select().where((MediaUnsealing.status == "open")
                                                 & (MediaUnsealing.planned_end < now)):
            key = f"unsealing_overdue:{row.id}"
            if Alert.select().where(Alert.dedupe_key == key).exists():
                continue
            alerts.open_alert("unsealing_overdue", severity="critical", item=row.device, person=row.supervisor,
                              dedupe_key=key, now=now, message=row.reason,
                              data=audit.canonical_json({"code": row.device.code, "port": row.port,
                                                         "due_at": row.planned_end.isoformat(timespec="seconds")}))
            opened["unsealing_overdue"] += 1
        every = settings().count_every_days
        cabinets = {c for (c,) in MediaRecord.select(MediaRecord.cabinet)
                    .where(MediaRecord.cabinet.is_null(False) & (MediaRecord.status != "ended")).distinct().tuples()}
        for cabinet_id in sorted(cabinets):
            last = (MediaCount.select(fn.MAX(MediaCount.closed_at))
                    .where((MediaCount.cabinet == cabinet_id) & (MediaCount.status == "closed")).scalar())
            since = last or (MediaRecord.select(fn.MIN(MediaRecord.registered_at))
                             .where(MediaRecord.cabinet == cabinet_id).scalar())
            if isinstance(since, str):  # SQLite aggregates come back as text
                since = datetime.fromisoformat(since)
            if since is None or (now - since).days < every:
                continue
            key = f"media_count_due:{cabinet_id}:{since:%Y%m%d%H%M%S}"
            if Alert.select().where(Alert.dedupe_key == key).exists():
                continue
            cabinet = Location.get_by_id(cabinet_id)
            alerts.open_alert("media_count_due", location=cabinet, dedupe_key=key, now=now,
                              data=audit.canonical_json({"location": cabinet.name, "days": every,
                                                         "since": since.isoformat(timespec="seconds")}))
            opened["media_count_due"] += 1
    return opened


def run_checks(now: datetime) -> str | None:
    """The scheduler job: check_due(now), said in one line (None when nothing opened)."""
    opened = check_due(now)
    return ", ".join(f"{n} {kind}" for kind, n in opened.items() if n) or None


def register_jobs() -> None:
    """Plug the area's checks into the scheduler (every 5 minutes); done on import."""
    from ..scheduler import register_job

    register_job("media-checks", 300, run_checks)


register_jobs()
