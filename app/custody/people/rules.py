"""Pure predicates of the people area: what keeps a badge from activation, what is about to expire,
who may approve a privileged role change. No database here."""
from dataclasses import dataclass
from datetime import date, timedelta

from .codes import SERVICE_ONLY_ITEMS, VETTING_ITEMS

PRIVILEGED = ("administrator", "security_officer", "auditor")


@dataclass(frozen=True)
class Gap:
    """One reason a badge cannot be activated: a vetting item and why (codes.GAP_REASONS)."""

    item: str
    reason: str


def required_for(org_kind: str, required: tuple[str, ...]) -> tuple[str, ...]:
    """The items a person of this organisation kind must have (the labour contract: service staff only)."""
    return tuple(i for i in VETTING_ITEMS if i in required and (org_kind == "service" or i not in SERVICE_ONLY_ITEMS))


def vetting_gaps(records: dict, *, org_kind: str, required: tuple[str, ...], min_hours: float,
                 today: date) -> list[Gap]:
    """Every required item missing, expired, or (training) short of the minimum hours; empty when complete.

    records maps an item code to an object with done_on, hours, expires_on.
    """
    gaps = []
    for item in required_for(org_kind, required):
        row = records.get(item)
        if row is None:
            gaps.append(Gap(item, "missing"))
        elif row.expires_on is not None and row.expires_on < today:
            gaps.append(Gap(item, "expired"))
        elif item == "training" and (row.hours or 0) < min_hours:
            gaps.append(Gap(item, "too_few_hours"))
    return gaps


def expiring(records: dict, *, today: date, warn_days: int) -> list[str]:
    """The item codes whose expiry falls within warn_days from today (not yet expired)."""
    limit = today + timedelta(days=warn_days)
    return [item for item, row in records.items()
            if row.expires_on is not None and today <= row.expires_on <= limit]


def can_approve(*, approver_id: int, approver_roles, proposer_id: int | None, proposer_roles,
                target_id: int, target_roles, approver_role: str) -> bool:
    """True if this person may approve a privileged change proposed by another (三员分离).

    The approver is privileged, is neither the proposer nor the account concerned, holds none of the
    proposer's privileged roles, and holds the site's approver role — unless the account concerned holds
    that role itself, when any other privileged role (still not the proposer's) approves.
    """
    mine = set(approver_roles) & set(PRIVILEGED)
    if not mine or approver_id == target_id or approver_id == proposer_id:
        return False
    if mine & set(proposer_roles):
        return False
    if approver_role in target_roles:
        return True
    return approver_role in mine


ESCORT_WINDOW_SECONDS = 120  # a visitor passes within this long after their escort's badge at the same door


def visitor_decision(*, ended: bool, expected_day: date, today: date, escorted: bool) -> tuple[bool, str]:
    """(allowed, reason) for a visitor's pass at a door: on the expected day, visit not ended, escorted."""
    if ended:
        return False, "visitor_ended"
    if expected_day != today:
        return False, "visitor_not_expected"
    if not escorted:
        return False, "visitor_no_escort"
    return True, ""
