"""The area's time-driven alerts (loans past due, unsealings open too long, cabinets not counted) and
the scheduler job that opens them."""
from datetime import datetime

from peewee import fn

from app.db import write_tx

from .. import alerts, audit
from ..models import Alert, Location
from .entries import now_or
from .models import MediaCount, MediaLoan, MediaRecord, MediaUnsealing
from .policy import settings


def check_due(now: datetime | None = None) -> dict[str, int]:
    """Open the area's time-driven alerts: loans past due, unsealings open past their end, cabinets not
    counted for N days. Idempotent (dedupe keys). Returns how many of each were opened."""
    now = now_or(now)
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
