"""Finding a batch or a handover list by its number, and numbering new ones (PC…, JJ…)."""
from datetime import datetime

from peewee import fn

from .. import statements
from ..models import User
from .errors import BatchNotFound, HandoverNotFound
from .models import Batch, Handover


def user_id(user):
    """The acting login's id (a User or an id already)."""
    return user.id if isinstance(user, User) else user


def get_batch(number) -> Batch:
    """The batch with this number (or the Batch itself); raises BatchNotFound."""
    if isinstance(number, Batch):
        return number
    batch = Batch.get_or_none(Batch.number == str(number).strip().upper())
    if batch is None:
        raise BatchNotFound(number=number)
    return batch


def get_handover(number) -> Handover:
    """The handover with this number (or the Handover itself); raises HandoverNotFound."""
    if isinstance(number, Handover):
        return number
    handover = statements.row_by(Handover, "number", str(number).strip().upper())  # every scan names it
    if handover is None:
        raise HandoverNotFound(number=number)
    return handover


def next_number(model, prefix: str, now: datetime) -> str:
    """The next free number of the day for a Batch (PC) or a Handover (JJ): PC20270301-001, …"""
    stem = f"{prefix}{now:%Y%m%d}-"
    last = (model.select(fn.MAX(model.number)).where(model.number.startswith(stem)).scalar())
    n = int(last[len(stem):]) + 1 if last and last[len(stem):].isdigit() else 1
    return f"{stem}{n:03d}"
