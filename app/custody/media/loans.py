"""Loans of media (5.7): lent to a named, permitted person for an approved time span and reason, taken
back by the keeper, the return confirmed by both sides."""
from datetime import datetime

from app.db import write_tx

from .. import alerts, audit, rules
from ..errors import N_, ConflictError, NotAllowedError, ValidationError
from ..models import Item, Person, User
from ..services import _ensure_badge_active, _record
from . import codes
from .entries import ensure_in_hand, event_data, locked_record, now_or, person_of, row_of, text, user_id
from .errors import BorrowerNotPermittedError
from .models import MediaLoan, MediaRecord
from .policy import may_borrow


def lend(item, *, borrower, reason: str, due_at: datetime, approved_by, starts_at: datetime | None = None,
         actor: Person | None = None, user=None, note: str = "", now: datetime | None = None) -> MediaLoan:
    """Lend a registered medium to a named, active, permitted person for an approved time span.

    Raises NotRegisteredError, OnLoanError, EndedError, ConflictError (under repair), ValidationError,
    BadgeNotActiveError, BorrowerNotPermittedError.
    """
    now = now_or(now)
    borrower = person_of(borrower, missing=N_("Name the borrower (badge code)."))
    approved_by = person_of(approved_by, missing=N_("Name who approved the loan (badge code)."))
    reason = text(reason)
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
        ensure_in_hand(record)
        rules.ensure_movable(item)
        _ensure_badge_active(borrower, now)
        if not may_borrow(borrower):
            raise BorrowerNotPermittedError(name=borrower.name)
        loan = MediaLoan.create(item=item, borrower=borrower, reason=reason, starts_at=starts_at, due_at=due_at,
                                issued_by=user_id(user), approved_by=approved_by, keeper=actor,
                                note=text(note))
        _record(item, "loan", dst=None, holder=borrower, state="out", actor=actor, user=user, via="web",
                reader=None, now=now, note=reason,
                data=event_data(loan=loan.id, due_at=due_at.isoformat(timespec="minutes"),
                                 approved_by=approved_by.name))
        MediaRecord.update(status="on_loan").where(MediaRecord.id == record.id).execute()
    return loan


def loan_of(loan_or_id) -> MediaLoan:
    """The loan for a MediaLoan or an id; raises NotFoundError."""
    return row_of(MediaLoan, loan_or_id, N_("Unknown loan: %(id)s"))


def take_back(loan, *, condition: str, action: str, actor: Person | None, user=None, note: str = "",
              now: datetime | None = None) -> MediaLoan:
    """The keeper takes a lent medium back: time, condition, what was done; the keeper's side is confirmed.

    Raises NotFoundError, ConflictError (already returned), ValidationError.
    """
    now = now_or(now)
    condition = text(condition, 200)
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
        loan.received_by, loan.keeper = user_id(user), actor or loan.keeper
        loan.keeper_confirmed_at = now
        if note:
            loan.note = (loan.note + "\n" + text(note)).strip()
        loan.save()
        cabinet = record.cabinet
        state = rules.state_at(cabinet) if cabinet is not None else "in_storage"
        _record(item, "loan_return", dst=cabinet, holder=None if state == "in_storage" else loan.borrower,
                state=state, actor=actor, user=user, via="web", reader=None, now=now, note=condition,
                data=event_data(loan=loan.id, action=action))
        MediaRecord.update(status="registered").where(MediaRecord.id == record.id).execute()
        alerts.resolve_open_for_item(item, ("medium_overdue",), note="medium returned", now=now)
    return loan


def confirm_return(loan, *, by: User, now: datetime | None = None) -> MediaLoan:
    """The borrower (or the keeper) confirms a return with their own login; raises NotAllowedError, ConflictError."""
    now = now_or(now)
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
