"""Record inspections and playback checks, mark old video deleted, and raise overdue alerts.

One transaction per change; each writes one admin-log row (the auditor reads them) and the
inspection rows themselves are never edited.
"""
import json
from datetime import datetime, timedelta

from app.db import write_tx

from .. import alerts, audit, clock
from ..errors import N_, ValidationError
from ..models import Alert, Person
from .codes import CHECK_RESULTS, CHECKS, INSPECTION_KINDS, OVERDUE_ALERT
from .models import CompletionSettings, Inspection, VideoDeletion
from .rules import cameras_of, covers, next_due

MAX_TEXT = 4000


def _text(value, what: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(N_("%(what)s is too long (at most 4,000 characters)."), what=what)
    return text


def _when(at: datetime | None, now: datetime) -> datetime:
    at = at or now
    if at > now + timedelta(minutes=5):
        raise ValidationError(N_("An inspection cannot be dated in the future."))
    return at


def record_inspection(*, user, inspector: Person | None, checklist: dict[str, dict], findings: str = "",
                      follow_up: str = "", at: datetime | None = None, now: datetime | None = None) -> Inspection:
    """Record a site inspection: every checklist item ok / finding / n.a.; a finding needs a note and a follow-up.

    Raises ValidationError naming what is missing."""
    now = now or clock.now()
    at = _when(at, now)
    clean = {}
    for check in CHECKS:
        entry = checklist.get(check) or {}
        result = entry.get("result", "")
        if result not in CHECK_RESULTS:
            raise ValidationError(N_("Give a result for every checklist item (missing: %(check)s)."),
                                  check=CHECKS[check])
        note = _text(entry.get("note"), "note")
        if result == "finding" and not note:
            raise ValidationError(N_("Describe the finding for: %(check)s."), check=CHECKS[check])
        clean[check] = {"result": result, "note": note}
    unknown = set(checklist) - set(CHECKS)
    if unknown:
        raise ValidationError(N_("Unknown checklist item: %(check)s"), check=sorted(unknown)[0])
    follow_up = _text(follow_up, "follow-up")
    if any(v["result"] == "finding" for v in clean.values()) and not follow_up:
        raise ValidationError(N_("Say what follows from the findings (the follow-up)."))
    with write_tx():
        row = Inspection.create(kind="site", at=at, inspector=inspector, user=user,
                                checklist=audit.canonical_json(clean), findings=_text(findings, "findings"),
                                follow_up=follow_up, created_at=now)
        _after_record(row, user, now)
    return row


def record_playback(*, user, inspector: Person | None, cameras: str, period_from: datetime,
                    period_to: datetime, findings: str = "", follow_up: str = "", at: datetime | None = None,
                    now: datetime | None = None) -> Inspection:
    """Record a video playback check of cameras over a period; raises ValidationError."""
    now = now or clock.now()
    at = _when(at, now)
    names = cameras_of(cameras or "")
    if not names:
        raise ValidationError(N_("Name the cameras or areas played back."))
    if period_from is None or period_to is None or period_from >= period_to:
        raise ValidationError(N_("The period played back must start before it ends."))
    if period_to > at:
        raise ValidationError(N_("The period played back cannot end after the check."))
    with write_tx():
        row = Inspection.create(kind="playback", at=at, inspector=inspector, user=user,
                                cameras=", ".join(names), period_from=period_from, period_to=period_to,
                                findings=_text(findings, "findings"), follow_up=_text(follow_up, "follow-up"),
                                created_at=now)
        _after_record(row, user, now)
    return row


def _after_record(row: Inspection, user, now: datetime) -> None:
    audit.append_audit(f"inspection.{row.kind}", user=user, target=f"inspection:{row.id}",
                       detail={"at": row.at, "cameras": row.cameras, "period": [row.period_from, row.period_to]},
                       at=now)
    for alert in Alert.select().where((Alert.kind == OVERDUE_ALERT[row.kind]) & (Alert.status != "resolved")):
        alerts.resolve(alert.id, note=f"{row.kind} recorded", auto=True, now=now)


def mark_video_deleted(*, user, camera: str, period_from: datetime, period_to: datetime, note: str = "",
                       now: datetime | None = None) -> VideoDeletion:
    """Mark one camera's recordings of a period deleted: only past the retention period, and only when a
    playback check covers that period (4.3). Raises ValidationError saying which condition fails."""
    now = now or clock.now()
    camera = (camera or "").strip()
    if not camera or len(camera) > 100:
        raise ValidationError(N_("Name the camera (at most 100 characters)."))
    if period_from is None or period_to is None or period_from >= period_to:
        raise ValidationError(N_("The period must start before it ends."))
    keep = CompletionSettings.current().video_retention_days
    if period_to > now - timedelta(days=keep):
        raise ValidationError(N_("Video is kept at least %(days)s days: this period may not be deleted yet."),
                              days=keep)
    with write_tx():
        check = next((c for c in Inspection.select().where(Inspection.kind == "playback")
                      .order_by(Inspection.at.desc())
                      if covers(c.cameras, c.period_from, c.period_to, camera, period_from, period_to)), None)
        if check is None:
            raise ValidationError(N_("No playback check covers %(camera)s for this period: play it back and "
                                     "record the check first."), camera=camera)
        row = VideoDeletion.create(camera=camera, period_from=period_from, period_to=period_to, check=check,
                                   user=user, at=now, note=_text(note, "note"))
        audit.append_audit("video.deleted", user=user, target=f"camera:{camera}",
                           detail={"from": period_from, "to": period_to, "check": check.id}, at=now)
    return row


def update_settings(*, user, inspection_every_days, playback_every_days, video_retention_days,
                    now: datetime | None = None) -> CompletionSettings:
    """Set how often checks are due and how long video is kept; raises ValidationError."""
    now = now or clock.now()
    values = {}
    for name, value, low, high in (("inspection_every_days", inspection_every_days, 1, 366),
                                   ("playback_every_days", playback_every_days, 1, 366),
                                   ("video_retention_days", video_retention_days, 180, 3660)):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not low <= number <= high:
            raise ValidationError(N_("Give a whole number of days from %(low)s to %(high)s."), low=low, high=high)
        values[name] = number
    with write_tx():
        row = CompletionSettings.create(**values, updated_at=now)
        audit.append_audit("completion.settings", user=user, target="inspections", detail=values, at=now)
    return row


def last_check(kind: str) -> Inspection | None:
    """The newest inspection of this kind."""
    return Inspection.select().where(Inspection.kind == kind).order_by(Inspection.at.desc()).first()


def due_dates(now: datetime | None = None) -> dict[str, datetime]:
    """When each kind of check is next due (from the last one, or from the first day the site has data)."""
    now = now or clock.now()
    settings = CompletionSettings.current()
    every = {"site": settings.inspection_every_days, "playback": settings.playback_every_days}
    first = Inspection.select(Inspection.at).order_by(Inspection.at).first()
    since = _site_start() or (first.at if first else now)
    out = {}
    for kind in INSPECTION_KINDS:
        last = last_check(kind)
        out[kind] = next_due(last.at if last else None, every[kind], since)
    return out


def _site_start() -> datetime | None:
    from ..models import Site

    site = Site.select(Site.created_at).order_by(Site.id).first()
    return site.created_at if site else None


def open_overdue_alerts(now: datetime | None = None) -> str | None:
    """The scheduler job: open one alert per overdue kind of check (once per due date)."""
    now = now or clock.now()
    opened = []
    for kind, due in due_dates(now).items():
        if due <= now:
            alert = alerts.open_alert(OVERDUE_ALERT[kind], severity="warning",
                                      dedupe_key=f"{OVERDUE_ALERT[kind]}:{due:%Y-%m-%d}",
                                      data=json.dumps({"due": due.strftime("%Y-%m-%dT%H:%M:%S")}), now=now)
            if alert.opened_at == now:
                opened.append(kind)
    return f"overdue: {', '.join(opened)}" if opened else None
