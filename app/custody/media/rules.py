"""The media rules the custody core asks before it moves an item (no import of the core's services)."""
from ..errors import N_, CustodyError
from ..models.items import Item
from .models import MediaRecord


class LoanRequiredError(CustodyError):
    code = "loan_required"
    status = 409
    template = N_("%(code)s is in the media register: lend it from its media page (reason, time span, approver).")


def ensure_moved_by_loan(item: Item) -> None:
    """Refuse a plain check-out or hand-over of a registered medium (a loan takes it out); raises LoanRequiredError."""
    if item.kind == "media" and MediaRecord.select().where(MediaRecord.item == item.id).exists():
        raise LoanRequiredError(code=item.code)
