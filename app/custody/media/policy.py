"""The area's settings: who may borrow media, how often each cabinet is counted."""
from datetime import datetime

from app.db import write_tx

from .. import audit
from ..codes import normalize_scan
from ..errors import N_, ValidationError
from ..models import Person, User, UserRole
from .entries import audit_user, now_or
from .models import MediaSettings


def settings() -> MediaSettings:
    """The area's settings (a default row when none was saved)."""
    row = MediaSettings.select().order_by(MediaSettings.id).first()
    return row if row is not None else MediaSettings(borrower_roles="supervisor", borrower_badges="",
                                                     count_every_days=30)


def update_settings(*, borrower_roles, borrower_badges: str, count_every_days: int, user=None,
                    now: datetime | None = None) -> MediaSettings:
    """Set who may borrow media and the counting interval; raises ValidationError, PersonNotFound."""
    from ..models import ROLES

    now = now_or(now)
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
        audit.append_audit("media.settings", user=audit_user(user),
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
