"""Pure predicates of the completion area (no database)."""
from datetime import datetime, timedelta


def cameras_of(text: str) -> list[str]:
    """Camera names from a comma/、/newline separated list, trimmed, duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for part in text.replace("、", ",").replace("，", ",").replace("\n", ",").split(","):
        name = part.strip()
        if name:
            seen.setdefault(name.casefold(), None)
    return [n for n in seen]


def covers(check_cameras: str, check_from: datetime | None, check_to: datetime | None,
           camera: str, period_from: datetime, period_to: datetime) -> bool:
    """True if a playback check of these cameras and period covers one camera's period."""
    if check_from is None or check_to is None:
        return False
    return camera.strip().casefold() in cameras_of(check_cameras) and check_from <= period_from \
        and period_to <= check_to


def next_due(last_at: datetime | None, every_days: int, since: datetime) -> datetime:
    """When the next check is due: every_days after the last one (or after `since` when there was none)."""
    return (last_at or since) + timedelta(days=every_days)
