"""Custody services: one function per state change, each one transaction.

Every service appends exactly one event to the custody log and updates the item's current
state (location, holder, state, since) in the same transaction; nothing else changes custody.
Callers pass who acts (a Person, may be None for system actions) and which login recorded it.
"""
import functools
import json
from datetime import datetime, timedelta

from app.db import is_sqlite, write_tx

from . import alerts, audit, clock, lookup, rules, statements
from .errors import (
    N_,
    AlreadyThereError,
    ConflictError,
    NotAllowedError,
    NotFoundError,
    UndoRefusedError,
    ValidationError,
)
from .media.rules import ensure_moved_by_loan
from .models import Event, Item, Location, Person, Site, User, UserRole

KEEP = object()  # "leave the holder as it is"


def _ensure_badge_active(person: Person | None, now: datetime) -> None:
    # the site's time zone only matters near a validity boundary (rules.badge_active_in_every_zone)
    if not rules.badge_active_in_every_zone(person, now):
        rules.ensure_badge_active(person, rules.local_date(now, Site.timezone_name()))


class _StaleItem(Exception):
    """The item handed in changed after it was read (its last event is not the one it carried)."""


def _item(code_or_item) -> Item:
    """The item a service acts on: the Item it is handed (SQLite: checked by _record's guarded update, so a
    scan or a reader read looks the row up once), else read by code; raises ItemNotFound.

    On PostgreSQL the row is always read again here, locked FOR UPDATE (lock order: item, then chain head)."""
    if isinstance(code_or_item, Item):
        if is_sqlite():
            return code_or_item
        code_or_item = code_or_item.code
    return lookup.item(code_or_item)


def _fresh(service):
    """Run a service; if the Item it was handed had changed meanwhile, once more with the item read afresh."""
    @functools.wraps(service)
    def run(code, *args, **kwargs):
        try:
            return service(code, *args, **kwargs)
        except _StaleItem:
            return service(code.code if isinstance(code, Item) else code, *args, **kwargs)

    return run


def _replay(client_id: str | None) -> Event | None:
    if client_id is None:
        return None
    return statements.event_by_client_id(client_id)


def _login_roles(user) -> frozenset[str] | None:
    """The roles of the acting login (a User or its id); None when no login acts (readers, system)."""
    if user is None:
        return None
    if isinstance(user, User):
        return user.roles
    return frozenset(r.role for r in UserRole.select(UserRole.role).where(UserRole.user == user))


def _record(item: Item, kind: str, *, dst: Location | None, holder: Person | None, state: str,
            actor: Person | None, user, via: str, reader, now: datetime, note: str = "",
            data: str = "", client_id: str | None = None) -> Event:
    """Append the event and move the item's current state; caller holds the transaction."""
    event = audit.append_event(
        at=now, kind=kind, item=item, actor=actor, user=user, holder=holder, src=item.location_id,
        dst=dst, reader=reader, via=via, state=state, note=note, data=data, client_id=client_id,
    )
    fields = {"location": dst.id if dst is not None else None,
              "holder": holder.id if holder is not None else None,
              "state": state, "last_event_id": event.id}
    if item.home_id is None and kind != "undo" and rules.is_returned(dst):
        fields["home"] = dst.id  # the first place it is put away becomes its home (a volume's shelf)
        item.home_id = dst.id
    if item.state != state or item.location_id != fields["location"] or item.holder_id != fields["holder"]:
        fields["state_since"] = now
    if not statements.update_item(item.id, fields, last_event_id=item.last_event_id, guarded=is_sqlite()):
        raise _StaleItem(item.code)  # rolls this transaction back; _fresh reads the item again
    item.location, item.holder, item.state, item.last_event_id = dst, holder, state, event.id
    return event


@_fresh
def check_out(code: str | Item, *, to: Location, holder: Person, actor: Person | None, user=None, via: str = "web",
              reader=None, now: datetime | None = None, note: str = "", client_id: str | None = None) -> Event:
    """Take an item out of storage to a working location, in a person's custody.

    Raises ItemNotFound, QuarantinedError, ConflictError (already out), DestinationNotAllowedError,
    BadgeNotActiveError.
    """
    now = now or clock.now()
    with write_tx():
        item = _item(code)  # locks the row on PostgreSQL first: a racing retry then sees the event
        if (done := _replay(client_id)) is not None:
            return done
        rules.ensure_movable(item)
        if item.kind == "media":  # a registered medium leaves only on a loan (app/custody/media)
            ensure_moved_by_loan(item)
        if item.state == "out":
            raise ConflictError(N_("%(code)s is already checked out to %(holder)s."), code=item.code,
                                holder=item.holder.name if item.holder else "—")
        if rules.is_returned(to):
            raise NotAllowedError(N_("A check-out goes to a working location, not to storage (%(location)s)."),
                                  location=to.name)
        rules.ensure_can_go(item, to)
        _ensure_badge_active(holder, now)
        return _record(item, "check_out", dst=to, holder=holder, state="out", now=now,
                       actor=actor, user=user, via=via, reader=reader, note=note,
                       client_id=client_id)


@_fresh
def return_to_storage(code: str | Item, *, to: Location, actor: Person | None, user=None, via: str = "web",
                      reader=None, now: datetime | None = None, note: str = "",
                      client_id: str | None = None) -> Event:
    """Put an item back in a storage location (check-in); clears the holder.

    A login may return what it holds; an archivist or supervisor may receive anything back.
    Raises ItemNotFound, QuarantinedError, DestinationNotAllowedError (not a storage place),
    AlreadyThereError, NotYoursError.
    """
    now = now or clock.now()
    with write_tx():
        item = _item(code)  # locks the row on PostgreSQL first: a racing retry then sees the event
        if (done := _replay(client_id)) is not None:
            return done
        rules.ensure_movable(item)
        if not rules.is_returned(to):
            raise NotAllowedError(N_("%(location)s is not a storage location."), location=to.name)
        rules.ensure_can_go(item, to)
        if item.location_id == to.id and item.state == "in_storage":
            raise AlreadyThereError(code=item.code, location=to.name)
        rules.ensure_may_return(item, actor, _login_roles(user))
        kind = "return" if item.state == "out" else "move"
        event = _record(item, kind, dst=to, holder=None, state="in_storage", now=now, actor=actor, user=user,
                        via=via, reader=reader, note=note, client_id=client_id)
        alerts.resolve_open_for_item(item, ("overnight",), note=alerts.RETURN_NOTE, now=now)
        return event


@_fresh
def move(code: str | Item, *, to: Location, actor: Person | None, holder=KEEP, user=None, via: str = "web",
         reader=None, now: datetime | None = None, note: str = "", client_id: str | None = None) -> Event:
    """Move an item to another location, keeping its holder unless one is given.

    A move into storage is a return (holder cleared). Raises ItemNotFound, QuarantinedError,
    DestinationNotAllowedError, AlreadyThereError, BadgeNotActiveError.
    """
    if rules.is_returned(to):
        return return_to_storage(code, to=to, actor=actor, user=user, via=via, reader=reader, now=now,
                                 note=note, client_id=client_id)
    now = now or clock.now()
    with write_tx():
        item = _item(code)  # locks the row on PostgreSQL first: a racing retry then sees the event
        if (done := _replay(client_id)) is not None:
            return done
        rules.ensure_movable(item)
        rules.ensure_may_move(item, actor, _login_roles(user))
        rules.ensure_can_go(item, to)
        new_holder = item.holder if holder is KEEP else holder
        if new_holder is not None and new_holder.id != item.holder_id:
            _ensure_badge_active(new_holder, now)
        if item.location_id == to.id and (new_holder.id if new_holder else None) == item.holder_id:
            raise AlreadyThereError(code=item.code, location=to.name)
        return _record(item, "move", dst=to, holder=new_holder, state="out", now=now, actor=actor, user=user, via=via, reader=reader, note=note,
                       client_id=client_id)


def record_late_read(code: str | Item, *, intended: str, read_at: datetime, location: Location | None, reader=None,
                     via: str = "reader", now: datetime | None = None, reason: str = "after_last_event",
                     limit_hours: float | None = None) -> Event:
    """Log a late read (older than the item's current state, or than the reader's spool may hold a read),
    changing nothing.

    The event is dated on arrival (so the log and every "where was it at …" stay in time order) and
    carries the real read time and why it was late (readers.codes.LATE_REASONS; limit_hours: the spool's
    limit); the item's state, place and holder stay as the later events left them. Raises ItemNotFound.
    """
    now = now or clock.now()
    with write_tx():
        item = _item(code)
        details = {"late": True, "read_at": read_at.strftime("%Y-%m-%dT%H:%M:%S.%f"), "intended": intended,
                   "seen_at": location.code if location else None, "reason": reason}
        if limit_hours is not None:
            details["limit_hours"] = limit_hours
        data = audit.canonical_json(details)
        return audit.append_event(
            at=now, kind="late_read", item=item, actor=None, user=None, holder=item.holder_id,
            src=item.location_id, dst=item.location_id, reader=reader, via=via, state=item.state,
            note="", data=data, client_id=None)


@_fresh
def hand_over(code: str | Item, *, to_person: Person, actor: Person | None, to: Location | None = None, user=None,
              via: str = "web", reader=None, now: datetime | None = None, note: str = "",
              client_id: str | None = None) -> Event:
    """Hand an item that is out to another person (optionally at another location).

    Raises ItemNotFound, QuarantinedError, ConflictError (in storage, or already theirs),
    BadgeNotActiveError.
    """
    now = now or clock.now()
    with write_tx():
        item = _item(code)  # locks the row on PostgreSQL first: a racing retry then sees the event
        if (done := _replay(client_id)) is not None:
            return done
        rules.ensure_movable(item)
        if item.kind == "media":  # a registered medium leaves only on a loan (app/custody/media)
            ensure_moved_by_loan(item)
        if item.state != "out":
            raise ConflictError(N_("%(code)s is in storage: check it out instead."), code=item.code)
        rules.ensure_may_move(item, actor, _login_roles(user))
        if item.holder_id == to_person.id and (to is None or to.id == item.location_id):
            raise ConflictError(N_("%(code)s is already held by %(holder)s."), code=item.code,
                                holder=to_person.name)
        dst = to or item.location
        if dst is not None:
            rules.ensure_can_go(item, dst)
        _ensure_badge_active(to_person, now)
        return _record(item, "hand_over", dst=dst, holder=to_person, state="out", now=now,
                       actor=actor, user=user, via=via, reader=reader, note=note,
                       client_id=client_id)


@_fresh
def quarantine(code: str | Item, *, actor: Person | None, reason: str, user=None, via: str = "web", reader=None,
               now: datetime | None = None, client_id: str | None = None) -> Event:
    """Stop all work on an item (secrecy mark found, …): it keeps its place, nothing else may move it.

    Raises ItemNotFound, ValidationError (no reason), ConflictError (already quarantined).
    """
    now = now or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(N_("Give the reason for the quarantine."))
    with write_tx():
        item = _item(code)  # locks the row on PostgreSQL first: a racing retry then sees the event
        if (done := _replay(client_id)) is not None:
            return done
        if item.state == "quarantined":
            raise ConflictError(N_("%(code)s is already quarantined."), code=item.code)
        event = _record(item, "quarantine", dst=item.location, holder=item.holder, state="quarantined",
                        now=now, note=reason, actor=actor,
                        user=user, via=via, reader=reader, client_id=client_id)
        alerts.open_alert("quarantine", severity="critical", item=item, location=item.location,
                          person=item.holder, message=reason, dedupe_key=f"quarantine:{event.id}", now=now)
        return event


@_fresh
def release(code: str | Item, *, actor: Person | None, reason: str, user=None, via: str = "web", reader=None,
            now: datetime | None = None, client_id: str | None = None) -> Event:
    """Lift a quarantine; the item's state follows its location again.

    Raises ItemNotFound, ValidationError (no reason), ConflictError (not quarantined).
    """
    now = now or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(N_("Give the reason for the release."))
    with write_tx():
        item = _item(code)  # locks the row on PostgreSQL first: a racing retry then sees the event
        if (done := _replay(client_id)) is not None:
            return done
        if item.state != "quarantined":
            raise ConflictError(N_("%(code)s is not quarantined."), code=item.code)
        state = rules.state_at(item.location)
        holder = item.holder if state == "out" else None
        event = _record(item, "release", dst=item.location, holder=holder, state=state, now=now, note=reason,
                        actor=actor, user=user, via=via, reader=reader, client_id=client_id)
        alerts.resolve_open_for_item(item, ("quarantine",), note="released", now=now)
        return event


@_fresh
def record_damage(code: str | Item, *, actor: Person | None, description: str, pages: int | None = None, user=None,
                  via: str = "web", reader=None, now: datetime | None = None,
                  client_id: str | None = None) -> Event:
    """Register damage found on an item (any state); opens a damage alert.

    Raises ItemNotFound, ValidationError (no description).
    """
    now = now or clock.now()
    description = (description or "").strip()
    if not description:
        raise ValidationError(N_("Describe the damage."))
    with write_tx():
        item = _item(code)  # locks the row on PostgreSQL first: a racing retry then sees the event
        if (done := _replay(client_id)) is not None:
            return done
        data = audit.canonical_json({"pages": pages}) if pages is not None else ""
        event = _record(item, "damage", dst=item.location, holder=item.holder, state=item.state, now=now,
                        note=description, data=data, actor=actor, user=user, via=via, reader=reader,
                        client_id=client_id)
        Item.update(is_damaged=True).where(Item.id == item.id).execute()
        item.is_damaged = True
        alerts.open_alert("damage", severity="warning", item=item, location=item.location,
                          person=item.holder, message=description, dedupe_key=f"damage:{event.id}", now=now)
        return event


UNDOABLE_KINDS = frozenset({"check_out", "return", "move", "hand_over"})
UNDO_WINDOW = timedelta(minutes=15)


def _standing_event_id(item: Item) -> int | None:
    """The item's latest change that has not been undone: an undo and the change it undid cancel out,
    so the user who undid their last scan can undo the one before it."""
    undone: set[int] = set()
    for event in (Event.select(Event.id, Event.kind, Event.data).where(Event.item == item.id)
                  .order_by(Event.id.desc()).limit(50)):
        if event.kind == "undo":
            try:
                undone.add(int(json.loads(event.data or "{}").get("undoes")))
            except (TypeError, ValueError):
                return event.id
            continue
        if event.id not in undone:
            return event.id
    return item.last_event_id


def undo(event_id: int, *, user, actor: Person | None, via: str = "scan", now: datetime | None = None,
         window: timedelta = UNDO_WINDOW, client_id: str | None = None) -> Event:
    """Reverse a recent custody change with a compensating "undo" event (the log stays append-only).

    The item goes back to the location, holder and state it had before. Only the login that
    recorded the change may undo it, within `window`, and only while it is still the item's
    latest event. Raises NotFoundError, UndoRefusedError.
    """
    now = now or clock.now()
    user_id = user.id if isinstance(user, User) else user
    with write_tx():
        event = Event.get_or_none(Event.id == event_id)
        if event is None:
            raise NotFoundError(N_("There is no such scan to undo."))
        item_query = Item.select().where(Item.id == event.item_id)
        # lock order as everywhere: the item row first (PostgreSQL), then the replay check and the chain
        item = (item_query if is_sqlite() else item_query.for_update()).get()
        if (done := _replay(client_id)) is not None:
            return done
        if event.kind not in UNDOABLE_KINDS:
            raise UndoRefusedError(N_("Only a check-out, return, move or hand-over can be undone."))
        if event.data and '"handover"' in event.data:  # custody passed on a confirmed 交接单 (app/custody/handovers)
            raise UndoRefusedError(N_("This change was confirmed on handover %(number)s: it cannot be undone; "
                                      "a correction is a new handover."),
                                   number=json.loads(event.data).get("handover", "?"))
        if user_id is None or event.user_id != user_id:
            raise UndoRefusedError(N_("Only the person who recorded a scan can undo it."))
        if now - event.at > window:
            raise UndoRefusedError(N_("Scans can only be undone within %(minutes)d minutes."),
                                   minutes=int(window.total_seconds() // 60))
        if _standing_event_id(item) != event.id:
            raise UndoRefusedError(N_("%(code)s has changed again since: undo is no longer possible."),
                                   code=item.code)
        before = (Event.select(Event.holder, Event.state).where((Event.item == item.id) & (Event.id < event.id))
                  .order_by(Event.id.desc()).first())
        src = Location.get_by_id(event.src_id) if event.src_id is not None else None
        if before is not None:
            holder_id, state = before.holder_id, before.state
        else:  # the change undone was the item's first event: it was where the register put it
            holder_id, state = None, rules.state_at(src)
        holder = Person.get_by_id(holder_id) if holder_id is not None else None
        result = _record(item, "undo", dst=src, holder=holder, state=state, now=now, actor=actor, user=user_id,
                         via=via, reader=None, data=audit.canonical_json({"undoes": event.id}),
                         client_id=client_id)
        if event.kind in ("return", "move") and not rules.is_returned(src):
            # the item is out again: the overnight alert its return resolved is open again (as it was)
            alerts.reopen_resolved_by(item, ("overnight",), note=alerts.RETURN_NOTE, at=event.at)
        return result
