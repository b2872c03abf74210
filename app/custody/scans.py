"""Handheld scans: turn one scanned code + the chosen action into the same custody service call
every other entry point makes.

A scanned badge or location label is not an item: it sets the scanner's context (who / where)
and changes nothing. Reads happen in the caller's thread; the write (the service call) goes to
`submit`, which the web layer points at the group-commit writer.
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime

from peewee import IntegrityError

from . import lookup, services, statements
from .codes import normalize_scan
from .errors import N_, AlreadyThereError, ConflictError, CustodyError, ItemNotFound, ValidationError
from .models import Event, Item, Location, Person

ACTIONS = ("check_out", "return", "move", "hand_to", "lookup")
MAX_CODE = 200


@dataclass
class ScanResult:
    """What a scan did: outcome is recorded | replayed | already | lookup | location | person."""

    outcome: str
    code: str
    item: Item | None = None
    event: Event | None = None
    location: Location | None = None
    person: Person | None = None


def identify(raw: str) -> tuple[str, object]:
    """("item", Item) | ("person", Person) | ("location", Location) for any scan form; raises ItemNotFound."""
    code = normalize_scan(raw)
    if not code or len(code) > MAX_CODE:
        raise ValidationError(N_("Scan or type a code."))
    found = lookup.resolve(code, tags=False)
    if found.kind == "unknown":
        raise ItemNotFound(code=code)
    return found.kind, getattr(found, found.kind)


def last_storage_of(item: Item) -> Location | None:
    """The storage location the item last left (where a plain "return" sends it), or None."""
    from . import rules

    for event in (Event.select(Event.src).where((Event.item == item.id) & Event.src.is_null(False))
                  .order_by(Event.id.desc()).limit(20)):
        src = statements.row_by(Location, "id", event.src_id)
        if rules.is_returned(src) and src.is_active:
            return src
    return None


def home_of(item: Item) -> Location | None:
    """Where a plain return sends the item: its home (its shelf) while in use, else the storage place it last
    left, else None."""
    if item.home_id is not None:
        home = statements.row_by(Location, "id", item.home_id)
        if home is not None and home.is_active:
            return home
    return last_storage_of(item)


# the event kinds each scan action records (a move into storage is a return, a return of a quarantined
# volume a move)
ACTION_KINDS = {"check_out": {"check_out"}, "return": {"return", "move"}, "move": {"move", "return"},
                "hand_to": {"hand_over"}}


def scoped_client_id(user, client_id: str | None) -> str | None:
    """A scan's idempotency key as stored: scoped to the login, so one user's key never answers another's
    scan (the column holds 80 characters: a long key is stored by its hash)."""
    if not client_id or user is None:
        return client_id
    uid = user.id if hasattr(user, "id") else int(user)
    scoped = f"u{uid}:{client_id}"
    if len(scoped) > 80:
        scoped = f"u{uid}:#" + hashlib.sha256(client_id.encode()).hexdigest()[:60]
    return scoped


def unscoped_client_id(stored: str | None) -> str | None:
    """The key the client sent, from the stored (scoped) one."""
    if stored and stored.startswith("u") and ":" in stored:
        return stored.split(":", 1)[1]
    return stored


def _ensure_same_request(done: Event, item: Item, raw: str, action: str) -> None:
    """A key already recorded answers only the same scan again; raises IdempotencyKeyReusedError."""
    from .errors import IdempotencyKeyReusedError

    same_item = item is not None and done.item_id == item.id and (item.code == normalize_scan(raw) or raw is None)
    if not same_item or done.kind not in ACTION_KINDS.get(action, ()):
        raise IdempotencyKeyReusedError(code=item.code if item is not None else "?")


def record_scan(raw: str, action: str, *, user, actor: Person | None, location: str | None = None,
                person: str | None = None, client_id: str | None = None, submit=None,
                now: datetime | None = None) -> ScanResult:
    """Carry out one handheld scan through the custody services; submit(fn, ...) runs the write.

    Raises ValidationError (bad action, missing context), ItemNotFound, LocationNotFound,
    PersonNotFound and every refusal of the service called (QuarantinedError, NotYoursError,
    AlreadyThereError, ConflictError, DestinationNotAllowedError, BadgeNotActiveError).
    """
    if action not in ACTIONS:
        raise ValidationError(N_("Unknown action: %(action)s"), action=str(action)[:40])
    client_id = scoped_client_id(user, client_id)
    try:
        return _scan(raw, action, user=user, actor=actor, location=location, person=person, client_id=client_id,
                     submit=submit or (lambda fn, *a, **kw: fn(*a, **kw)), now=now)
    except (AlreadyThereError, ConflictError) as err:
        if client_id and (done := statements.event_by_client_id(client_id)) is not None:
            item = statements.row_by(Item, "id", done.item_id)
            _ensure_same_request(done, item, raw, action)
            return ScanResult("replayed", item.code, item=item, event=done)
        # a double read of the volume just scanned (a second pull of the trigger) is not an alarm
        if (again := _repeat_of_own(raw, action, user, location=location, person=person)) is not None:
            return again
        raise err
    except (CustodyError, IntegrityError):
        # a scan sent twice (a lost answer, a replayed queue) is answered with what was recorded the first
        # time, even if the context it named has changed since; the service itself replays the success path.
        # IntegrityError: two processes recorded one client_id at once (PostgreSQL, several workers)
        if client_id and (done := statements.event_by_client_id(client_id)) is not None:
            item = statements.row_by(Item, "id", done.item_id)
            _ensure_same_request(done, item, raw, action)
            return ScanResult("replayed", item.code, item=item, event=done)
        raise


_KIND_OF_ACTION = {"check_out": "check_out", "return": "return", "move": "move", "hand_to": "hand_over"}


def _repeat_of_own(raw: str, action: str, user, *, location: str | None, person: str | None) -> ScanResult | None:
    """The item's standing change when it is this user's own scan with this action to the same place or
    person (so scanning it again has nothing left to do), else None."""
    user_id = getattr(user, "id", user)
    item = statements.row_by(Item, "code", normalize_scan(raw))
    if item is None or user_id is None or item.last_event_id is None:
        return None
    last = Event.get_or_none(Event.id == item.last_event_id)
    if last is None or last.user_id != user_id or last.kind != _KIND_OF_ACTION.get(action):
        return None
    where = Location.get_or_none(Location.code == location) if location else None
    who = Person.get_or_none(Person.badge_code == person) if person else None
    if action in ("check_out", "move") and (where is None or last.dst_id != where.id):
        return None
    if action == "hand_to" and (who is None or last.holder_id != who.id):
        return None
    return ScanResult("already", item.code, item=item, event=last)


def _scan(raw, action, *, user, actor, location, person, client_id, submit, now) -> ScanResult:
    kind, found = identify(raw)
    if kind == "person":
        return ScanResult("person", found.badge_code, person=found)
    if kind == "location":
        return ScanResult("location", found.code, location=found)
    item: Item = found
    if action == "lookup":
        return ScanResult("lookup", item.code, item=item)
    where = Location.by_code(location) if location else None
    who = Person.by_badge(person) if person else None
    common = {"actor": actor, "user": user, "via": "scan", "now": now, "client_id": client_id}
    if action == "check_out":
        if actor is None:
            raise ValidationError(N_("Your account has no badge of its own: ask the administrator to link it "
                                     "to your person record."))
        if where is None:
            raise ValidationError(N_("Scan the label of the place where you take it first."))
        call = lambda: services.check_out(item, to=where, holder=actor, **common)  # noqa: E731
    elif action == "return":
        where = where if where is not None and where.is_storage else home_of(item)
        if where is None:
            raise ValidationError(N_("Scan the storage location's label first."))
        call = lambda: services.return_to_storage(item, to=where, **common)  # noqa: E731
    elif action == "move":
        if where is None:
            raise ValidationError(N_("Scan the label of the destination first."))
        call = lambda: services.move(item, to=where, **common)  # noqa: E731
    else:  # hand_to
        if who is None:
            raise ValidationError(N_("Scan the badge of the person receiving it first."))
        call = lambda: services.hand_over(item, to_person=who, to=where, **common)  # noqa: E731

    def _write():
        event = call()
        # two sends of one scan may meet in one batch: then the service hands back the event of the first,
        # read from the database (a new event still holds the Item instance it was made with)
        if client_id and "item" not in event.__rel__:
            _ensure_same_request(event, item, raw, action)
            return ScanResult("replayed", item.code, item=statements.row_by(Item, "id", event.item_id), event=event)
        return ScanResult("recorded", item.code, item=item, event=event)

    return submit(_write)


def undo_scan(*, user, actor: Person | None, event_id: int | None = None, scan_client_id: str | None = None,
              client_id: str | None = None, submit=None, now: datetime | None = None) -> ScanResult:
    """Undo one of the user's own recent scans, named by event id or by the scan's client id.

    Raises ValidationError, NotFoundError, UndoRefusedError.
    """
    from .errors import NotFoundError

    submit = submit or (lambda fn, *a, **kw: fn(*a, **kw))
    if event_id is None:
        if not scan_client_id:
            raise ValidationError(N_("Say which scan to undo."))
        target = Event.get_or_none(Event.client_id == scoped_client_id(user, scan_client_id))
        if target is None:
            raise NotFoundError(N_("There is no such scan to undo."))
        event_id = target.id

    def _write():
        event = services.undo(event_id, user=user, actor=actor, now=now,
                              client_id=scoped_client_id(user, client_id))
        item = Item.get_by_id(event.item_id)
        return ScanResult("recorded", item.code, item=item, event=event)

    return submit(_write)


MAX_BATCH = 50


def record_scans(batch: list[dict], *, user, actor: Person | None, submit=None,
                 now: datetime | None = None) -> list:
    """Carry out several scans in order, as if sent one by one: a location or badge scan sets the context
    for the scans after it in the batch; each scan is its own savepoint, so a refusal stops nothing else.

    Returns one ScanResult or CustodyError per scan, in order. The whole batch is one transaction (one
    call to `submit` when given: one group commit); raises ValidationError when the batch is empty or too long.
    """
    from app.db import write_tx

    if not batch or len(batch) > MAX_BATCH:
        raise ValidationError(N_("Send between 1 and %(n)d scans at once."), n=MAX_BATCH)

    def _all():
        results, location, person = [], None, None
        for scan in batch:
            try:
                with write_tx():  # a savepoint: a refused scan leaves the others alone
                    result = record_scan(scan["code"], scan["action"], user=user, actor=actor,
                                         location=location or scan.get("location"),
                                         person=person or scan.get("person"), client_id=scan.get("client_id"),
                                         now=now)
            except CustodyError as err:
                results.append(err)
                continue
            if result.outcome == "location":
                location = result.location.code
            elif result.outcome == "person":
                person = result.person.badge_code
            results.append(result)
        return results

    if submit is None:
        with write_tx():  # the batch is one transaction, each scan a savepoint in it
            return _all()
    return submit(_all)
