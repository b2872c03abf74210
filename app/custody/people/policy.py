"""The area's settings: the vetting items required, training hours, warning days, who approves roles."""
from datetime import datetime

from app.db import write_tx

from .. import audit, clock
from ..errors import N_, ValidationError
from ..models import User
from .codes import APPROVER_ROLES, VETTING_ITEMS
from .models import PeopleSettings


def settings() -> PeopleSettings:
    """The area's settings (defaults when never saved)."""
    return PeopleSettings.select().order_by(PeopleSettings.id).first() or PeopleSettings()

def update_settings(changes: dict, *, by: User | None = None, ip: str = "", now: datetime | None = None):
    """Change the area's settings; one admin-log row. Raises ValidationError (nothing written then)."""
    now = now or clock.now()
    clean = {}
    if "required_items" in changes:
        items = changes["required_items"]
        items = [i.strip() for i in (items.split(",") if isinstance(items, str) else items) if i.strip()]
        unknown = [i for i in items if i not in VETTING_ITEMS]
        if unknown:
            raise ValidationError(N_("Unknown vetting item: %(item)s"), item=", ".join(unknown))
        clean["required_items"] = ",".join(i for i in VETTING_ITEMS if i in items)
    for field, low, high in (("min_training_hours", 0, 1000), ("warn_days", 1, 365)):
        if field in changes:
            try:
                value = float(changes[field])
            except (TypeError, ValueError):
                raise ValidationError(N_("%(field)s must be a number."), field=field) from None
            if not low <= value <= high:
                raise ValidationError(N_("%(field)s must lie between %(low)s and %(high)s."), field=field,
                                      low=low, high=high)
            clean[field] = int(value) if field == "warn_days" else value
    if "approver_role" in changes:
        if changes["approver_role"] not in APPROVER_ROLES:
            raise ValidationError(N_("Unknown role: %(role)s"), role=changes["approver_role"])
        clean["approver_role"] = changes["approver_role"]
    with write_tx():
        conf = PeopleSettings.select().order_by(PeopleSettings.id).first() or PeopleSettings()
        before = {k: getattr(conf, k) for k in clean}
        for key, value in clean.items():
            setattr(conf, key, value)
        conf.updated_at = now
        conf.save()
        audit.append_audit("people.settings", user=by, target="people_settings", ip=ip, at=now,
                           detail={"before": before, "after": clean})
    return conf
