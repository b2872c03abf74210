"""The periodic reader checks (the scheduler, `custody check-readers`): silent readers, volumes gone from a shelf."""
from datetime import datetime, timedelta

from app.db import write_tx

from .. import alerts, audit, clock
from ..models import Alert, Event, Item, Reader, ReaderRead
from .registry import reader_settings

DEFAULT_OFFLINE_SECONDS = 300
DEFAULT_DEPARTURE_GRACE_MINUTES = 15


def is_online(reader: Reader, now: datetime, offline_seconds: int = DEFAULT_OFFLINE_SECONDS) -> bool:
    """True if the reader has spoken within its offline limit."""
    limit = reader_settings(reader).get("offline_seconds", offline_seconds)
    return reader.last_heartbeat_at is not None and now - reader.last_heartbeat_at <= timedelta(seconds=limit)


def check_reader_heartbeats(now: datetime | None = None, *,
                            offline_seconds: int = DEFAULT_OFFLINE_SECONDS) -> list[Alert]:
    """Open a "reader offline" alert for each active reader silent longer than its limit; returns them."""
    now = now or clock.now()
    opened = []
    readers = Reader.select().where((Reader.is_active == True) & Reader.token_hash.is_null(False))  # noqa: E712
    for reader in readers:
        limit = reader_settings(reader).get("offline_seconds", offline_seconds)
        last = reader.last_heartbeat_at or reader.created_at
        if now - last <= timedelta(seconds=limit):
            continue
        with write_tx():
            exists = (Alert.select().where((Alert.reader == reader) & (Alert.kind == "reader_offline")
                                           & (Alert.status != "resolved")).exists())
            if exists:
                continue
            opened.append(alerts.open_alert(
                "reader_offline", severity="warning", reader=reader, location=reader.location, now=now,
                message=f"{reader.name} · {last.isoformat(timespec='seconds')}Z",
                data=audit.canonical_json({"last_heard": last.isoformat(), "limit_seconds": limit})))
    return opened


def check_shelf_departures(now: datetime | None = None, *,
                           grace_minutes: int = DEFAULT_DEPARTURE_GRACE_MINUTES) -> list[Alert]:
    """Settle departures older than the grace period: a tag gone from its shelf with no check-out
    (or move) recorded within the grace period, and not seen again, opens a "removed without
    check-out" alert. Returns the alerts opened."""
    now = now or clock.now()
    opened = []
    pending = (ReaderRead.select(ReaderRead, Reader).join(Reader)
               .where(ReaderRead.outcome == "departure_pending").order_by(ReaderRead.id))
    for read in pending:
        grace = timedelta(minutes=reader_settings(read.reader).get("departure_grace_minutes", grace_minutes))
        if read.read_at + grace > now:
            continue
        with write_tx():
            moved = (Event.select().where((Event.item == read.item_id) & (Event.at >= read.read_at - grace)
                                          & (Event.at <= read.read_at + grace) & (Event.src == read.reader.location_id))
                     .exists())
            seen_again = (ReaderRead.select().where((ReaderRead.reader == read.reader_id)
                                                    & (ReaderRead.tag == read.tag) & (ReaderRead.kind == "read")
                                                    & (ReaderRead.read_at > read.read_at)).exists())
            if moved or seen_again:
                outcome = "departed_checked_out" if moved else "departed_seen_again"
            else:
                outcome = "removed_without_checkout"
                item = Item.get_by_id(read.item_id)
                opened.append(alerts.open_alert(
                    "removed_without_checkout", severity="critical", item=item, reader=read.reader,
                    location=read.reader.location, dedupe_key=f"removed:{read.id}", now=now,
                    message=f"{item.code} · {read.reader.name}",
                    data=audit.canonical_json({"departed_at": read.read_at.isoformat(), "tag": read.tag})))
            ReaderRead.update(outcome=outcome).where(ReaderRead.id == read.id).execute()
    return opened


def run_checks(now: datetime | None = None, *, offline_seconds: int = DEFAULT_OFFLINE_SECONDS,
               grace_minutes: int = DEFAULT_DEPARTURE_GRACE_MINUTES) -> dict:
    """Both periodic checks; what the scheduler and `custody check-readers` call."""
    now = now or clock.now()
    offline = check_reader_heartbeats(now, offline_seconds=offline_seconds)
    removed = check_shelf_departures(now, grace_minutes=grace_minutes)
    return {"offline": offline, "removed": removed}


# limits the scheduler's job uses; `custody scheduler` sets them from CUSTODY_READER_* settings (configure)
LIMITS = {"offline_seconds": DEFAULT_OFFLINE_SECONDS, "grace_minutes": DEFAULT_DEPARTURE_GRACE_MINUTES}


def configure(*, offline_seconds: int | None = None, grace_minutes: int | None = None) -> None:
    """Set the limits the scheduled reader checks use (a reader's own settings still override them)."""
    if offline_seconds:
        LIMITS["offline_seconds"] = int(offline_seconds)
    if grace_minutes:
        LIMITS["grace_minutes"] = int(grace_minutes)


def checks_job(now: datetime) -> str | None:
    """The scheduler job: run_checks with the configured limits; a line when something was found."""
    found = run_checks(now, offline_seconds=LIMITS["offline_seconds"], grace_minutes=LIMITS["grace_minutes"])
    if not found["offline"] and not found["removed"]:
        return None
    return (f"{len(found['offline'])} reader(s) newly offline, "
            f"{len(found['removed'])} removal(s) without check-out")
