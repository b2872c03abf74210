"""The special security acceptance (7.1): each item green or red, computed live from the registers.

acceptance(now) returns one AcceptanceItem per code in ACCEPTANCE_ITEMS, in order. Each says whether
it holds, how many things are missing and the first of them (code + short text), so the page and the
printed record can link to what is missing. The checks of the workflow areas (media, batches,
personnel) come from those areas' own public functions.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from peewee import JOIN

from .. import clock
from ..models import STORAGE_KINDS, Item, Location
from .codes import ACCEPTANCE_ITEMS
from .models import CompletionSettings, Inspection
from .services import due_dates

SHOWN = 20  # missing things listed per item (the count says how many in all)


@dataclass
class AcceptanceItem:
    code: str
    ok: bool
    missing: int = 0
    # (code or key, short text) or (code, text, stored state code the page shows by its name)
    examples: list[tuple] = field(default_factory=list)
    available: bool = True  # False: the register this item reads is not kept on this site yet
    note: str = ""

    @property
    def title(self) -> str:
        return ACCEPTANCE_ITEMS[self.code]


def _volumes() -> AcceptanceItem:
    query = (Item.select(Item.code, Item.archive_no, Item.state)
             .join(Location, on=(Item.location == Location.id), join_type=JOIN.LEFT_OUTER)
             .where((Item.kind == "volume") & ((Item.state != "in_storage") | Location.kind.not_in(STORAGE_KINDS)
                                              | Item.location.is_null()))
             .order_by(Item.code))
    count = query.count()
    return AcceptanceItem("volumes", count == 0, count,
                          [(i.code, i.archive_no, i.state) for i in query.limit(SHOWN)])


def _logs() -> AcceptanceItem:
    """Both chains against their signed checkpoints (seal.verify, as `custody verify-log`)."""
    from .. import seal

    report = seal.verify()
    missing = [(name, f"row {c.first_bad_id}: {seal.PROBLEMS.get(c.problem, c.problem)}")
               for name, c in report.chains.items() if not c.ok]
    if report.checkpoint_problem:
        missing.append(("checkpoint", seal.PROBLEMS[report.checkpoint_problem]))
    return AcceptanceItem("logs", not missing, len(missing), missing)


def _gaps(periods: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) that no period covers."""
    gaps, cursor = [], start
    for a, b in sorted(periods):
        if b <= cursor:
            continue
        if a > cursor:
            gaps.append((cursor, min(a, end)))
        cursor = max(cursor, b)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if b > a]


def _video(now: datetime) -> AcceptanceItem:
    """The recording span from the project's first day to the last completed check period is played back."""
    from .services import _site_start

    settings = CompletionSettings.current()
    start = _site_start()
    if start is None:
        return AcceptanceItem("video", True)
    end = now - timedelta(days=settings.playback_every_days)
    periods = [(c.period_from, c.period_to) for c in Inspection.select(Inspection.period_from, Inspection.period_to)
               .where((Inspection.kind == "playback") & Inspection.period_from.is_null(False))]
    gaps = _gaps(periods, start, end) if end > start else []
    return AcceptanceItem("video", not gaps, len(gaps),
                          [(f"{a:%Y-%m-%d}", f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M} UTC") for a, b in gaps[:SHOWN]])


def _inspections(now: datetime) -> AcceptanceItem:
    overdue = [(kind, f"{due:%Y-%m-%d}") for kind, due in due_dates(now).items() if due <= now]
    return AcceptanceItem("inspections", not overdue, len(overdue), overdue)


def _from_area(code: str, module: str, func: str) -> AcceptanceItem:
    """An item computed by a workflow area's public function: (missing count, [(key, text)…])."""
    import importlib

    try:
        area = importlib.import_module(module)
    except ModuleNotFoundError:
        return AcceptanceItem(code, False, available=False, note="register not kept")
    missing, examples = getattr(area, func)(limit=SHOWN)
    return AcceptanceItem(code, missing == 0, missing, list(examples))


AREA_CHECKS = {
    "media": ("app.custody.media", "acceptance_open"),
    "batches": ("app.custody.handovers", "acceptance_open"),
    "personnel": ("app.custody.people", "acceptance_open"),
}


def acceptance(now: datetime | None = None) -> list[AcceptanceItem]:
    """Every acceptance item, live, in the order of ACCEPTANCE_ITEMS."""
    now = now or clock.now()
    made = {"volumes": _volumes(), "logs": _logs(), "video": _video(now), "inspections": _inspections(now)}
    for code, (module, func) in AREA_CHECKS.items():
        made[code] = _from_area(code, module, func)
    return [made[code] for code in ACCEPTANCE_ITEMS]
