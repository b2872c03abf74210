"""Confirming a handover list: each side with its own login; the second confirmation passes custody of every
volume on it, in one transaction (one custody event per volume, linked to its line)."""
from datetime import datetime

from peewee import Case

from app.db import is_sqlite, write_tx

from .. import alerts, audit, clock, services
from .. import rules as core_rules
from ..errors import N_, NotAllowedError, ValidationError
from ..models import Item, Location, Person, User
from . import rules
from .errors import AlreadyConfirmedError, HandoverClosedError, NoPersonError, UnresolvedDifferencesError
from .lists import (
    default_location,
    ensure_may_hand,
    lines_with_differences,
    lock_handover,
    outgoing_lines,
    side_of,
)
from .models import BatchItem, Handover, HandoverLine, QuarantineRecord
from .numbers import user_id


def confirm(number, *, actor: Person | None, user, side: str | None = None, via: str = "web",
            now: datetime | None = None) -> Handover:
    """Confirm one side of a handover with the caller's own login; the second confirmation passes custody.

    On the second confirmation every volume both sides scanned moves in this one transaction (one custody
    event per volume, linked to its line); a failure on any volume leaves everything as it was.
    Raises NoPersonError, WrongOrganisationError, SamePersonError, AlreadyConfirmedError,
    UnresolvedDifferencesError, HandoverClosedError, ValidationError (nothing scanned), NotAllowedError,
    AlreadyHandedOverError, NotHandedOverError, QuarantinedError.
    """
    now = now or clock.now()
    if actor is None:
        raise NoPersonError()
    with write_tx():
        handover = lock_handover(number)
        if handover.status == "confirmed":
            raise HandoverClosedError(number=handover.number)
        side = side_of(handover, actor, side)
        if getattr(handover, f"{side}_confirmed_at") is not None:
            raise AlreadyConfirmedError(number=handover.number)
        other = "to" if side == "from" else "from"
        rules.ensure_two_people(actor, getattr(handover, f"{other}_person_id"))
        lines = lines_with_differences(handover)
        if not any(rules.is_included(line) for line, _d, _o in lines):
            raise ValidationError(N_("Both sides must scan at least one volume before confirming."))
        open_diffs = sum(1 for line, diffs, _o in lines if diffs and not line.resolution)
        if open_diffs:
            raise UnresolvedDifferencesError(count=open_diffs)
        roles = user.roles if isinstance(user, User) else frozenset()
        if (handover.direction == "to_archive" and side == "to" and "archivist" not in roles
                and any(line.item.state == "quarantined" for line, _d, _o in lines if rules.is_included(line))):
            raise NotAllowedError(N_("A quarantined volume is received back only by an archivist."))
        setattr(handover, f"{side}_person", actor.id)
        setattr(handover, f"{side}_user", user_id(user))
        setattr(handover, f"{side}_confirmed_at", now)
        setattr(handover, f"{side}_org", actor.organisation or "")
        if handover.from_confirmed_at is not None and handover.to_confirmed_at is not None:
            _pass_custody(handover, [line for line, _d, _o in lines], user=user, via=via, now=now)
            handover.status = "confirmed"
        handover.save()
    return handover


def _locked_items(item_ids: list[int]) -> dict[int, Item]:
    query = Item.select().where(Item.id.in_(item_ids)).order_by(Item.id)
    if not is_sqlite():
        query = query.for_update()  # in id order: two confirmations sharing volumes never deadlock
    return {item.id: item for item in query}


def _pass_custody(handover: Handover, lines: list[HandoverLine], *, user, via: str, now: datetime) -> None:
    """Move every included volume to the receiving side; caller holds the transaction."""
    included = [line for line in lines if rules.is_included(line)]
    items = _locked_items([line.item_id for line in included])
    receiver = Person.get_by_id(handover.to_person_id)
    actor = Person.get_by_id(handover.from_person_id) if handover.direction == "to_service" else receiver
    data = audit.canonical_json({"handover": handover.number})
    outgoing = outgoing_lines(handover, list(items))
    work_place = Location.get_by_id(handover.location_id) if handover.location_id else None
    fallback = work_place if work_place is not None and core_rules.is_returned(work_place) else default_location(
        "to_archive")
    homes: dict[int, Location] = {}
    stage = "handed_over" if handover.direction == "to_service" else "back"
    for line in included:
        item = items[line.item_id]
        if handover.direction == "to_service":
            ensure_may_hand(handover, item)
            core_rules.ensure_can_go(item, work_place)
            line.home = item.location_id
            event = services._record(item, "check_out", dst=work_place, holder=receiver, state="out", actor=actor,
                                     user=user_id(user), via=via, reader=None, now=now, note=handover.number,
                                     data=data)
        else:
            ensure_may_hand(handover, item)
            home_id = outgoing[item.id].home_id if item.id in outgoing else None
            if home_id is None and item.location_id is not None and core_rules.is_returned(item.location):
                home_id = item.location_id
            dst = homes.get(home_id) or (Location.get_by_id(home_id) if home_id else fallback)
            homes[home_id] = dst
            if dst is None:
                raise ValidationError(N_("There is no storage location to return the volumes to."))
            was_quarantined = item.state == "quarantined"
            event = services._record(item, "return", dst=dst, holder=None, state="in_storage", actor=actor,
                                     user=user_id(user), via=via, reader=None, now=now, note=handover.number,
                                     data=data)
            kinds = ("overnight", "quarantine") if was_quarantined else ("overnight",)
            alerts.resolve_open_for_item(item, kinds, note=alerts.RETURN_NOTE, now=now)
            if was_quarantined:
                (QuarantineRecord.update(status="handed_back", closed_at=now, closed_by=user_id(user),
                                         handover=handover.id, closing_note=handover.number)
                 .where((QuarantineRecord.item == item.id) & (QuarantineRecord.status == "open")).execute())
        line.event = event.id
    # the lines' links and the batch's stages in a few statements, not two per volume
    for start in range(0, len(included), 200):
        chunk = included[start:start + 200]
        ids = [line.id for line in chunk]
        homes_known = [(line.id, line.home_id) for line in chunk if line.home_id is not None]
        (HandoverLine.update(event=Case(HandoverLine.id, [(line.id, line.event_id) for line in chunk]),
                             home=Case(HandoverLine.id, homes_known, HandoverLine.home) if homes_known
                             else HandoverLine.home)
         .where(HandoverLine.id.in_(ids)).execute())
        if handover.batch_id is not None:
            (BatchItem.update(stage=stage)
             .where((BatchItem.batch == handover.batch_id) & BatchItem.item.in_([line.item_id for line in chunk]))
             .execute())
