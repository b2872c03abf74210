"""A reader's batch as posted: each row checked before anything is recorded."""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..errors import N_, ConflictError, ValidationError
from .codes import READ_KINDS, TAG_SCHEMES

MAX_BATCH = 500


class BatchError(ValidationError):
    """A batch with malformed rows; `rows` lists each bad row with its own message. Nothing applied."""

    code = "invalid_batch"
    template = N_("%(n)s of the events in this batch are malformed; nothing was recorded.")

    def __init__(self, rows: list[dict]):
        super().__init__(n=len(rows))
        self.rows = rows


class SeqConflictError(ConflictError):
    """The batch reuses sequence numbers the server holds for different reads (the reader lost its spool)."""

    code = "seq_conflict"
    template = N_("Sequence number %(seq)s is already recorded for a different read; continue after %(last_seq)s.")


@dataclass
class ReadIn:
    seq: int
    kind: str
    tag: str
    scheme: str
    symbology: str
    read_at: datetime


def parse_time(value) -> datetime | None:
    """ISO 8601 (Z or offset, or naive = UTC) → naive UTC; None if unreadable."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


# how far ahead of the server's clock a read may be dated (the readers' clocks drift; NTP keeps them within
# seconds): a read further in the future is refused, so nobody can pre-date custody (docs/security.md)
CLOCK_SKEW = timedelta(minutes=2)


def validate_batch(events, *, now: datetime) -> list[ReadIn]:
    """Check every row; raises BatchError listing each bad row (index, seq, field, message)."""
    if not isinstance(events, list):
        raise ValidationError(N_("'events' must be a list."))
    if len(events) > MAX_BATCH:
        raise ValidationError(N_("At most %(n)s events per batch."), n=MAX_BATCH)
    rows, errors, seen = [], [], set()
    latest = now + CLOCK_SKEW

    def bad(index, row, fieldname, message, **params):
        seq = row.get("seq") if isinstance(row, dict) else None
        errors.append({"index": index, "seq": seq if isinstance(seq, int) else None, "field": fieldname,
                       "message": message, "params": params})

    for index, row in enumerate(events):
        if not isinstance(row, dict):
            bad(index, row, "", N_("Each event must be a JSON object."))
            continue
        seq = row.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq < 2 ** 62:
            bad(index, row, "seq", N_("seq must be a positive whole number."))
            continue
        if seq in seen:
            bad(index, row, "seq", N_("seq %(seq)s appears twice in this batch."), seq=seq)
            continue
        seen.add(seq)
        kind = row.get("kind", "read")
        if kind not in READ_KINDS:
            bad(index, row, "kind", N_("kind must be read or departed."))
            continue
        tag = row.get("tag")
        if not isinstance(tag, str) or not tag.strip() or len(tag) > 200:
            bad(index, row, "tag", N_("tag must be a text of 1 to 200 characters."))
            continue
        scheme = row.get("scheme", "")
        if scheme not in TAG_SCHEMES:
            bad(index, row, "scheme", N_("scheme must be one of em4100, em-decimal, epc, barcode."))
            continue
        symbology = row.get("symbology") or ""
        if not isinstance(symbology, str) or len(symbology) > 4:
            bad(index, row, "symbology", N_("symbology must be an AIM identifier such as ]C0."))
            continue
        read_at = parse_time(row.get("read_at"))
        if read_at is None:
            bad(index, row, "read_at", N_("read_at must be an ISO 8601 time."))
            continue
        if read_at > latest:
            bad(index, row, "read_at", N_("read_at lies in the future: check the reader's clock."))
            continue
        rows.append(ReadIn(seq, kind, tag.strip(), scheme, symbology, read_at))
    if errors:
        raise BatchError(errors)
    return rows
