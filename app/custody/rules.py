"""Pure custody rules: no database, no Flask."""
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .errors import (
    N_,
    BadgeNotActiveError,
    DestinationNotAllowedError,
    NotAllowedError,
    NotYoursError,
    QuarantinedError,
)
from .models.places import STORAGE_KINDS

# control characters (tab and line breaks aside) and Unicode direction marks and overrides have no place
# in a user name, a person's name, a title or a code: a NUL breaks exports and files, U+202E makes
# "zhang\u202egnp.exe" read as "zhangexe.png" (docs/security.md)
UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def has_unsafe_text(text: str) -> bool:
    """Whether text holds a control character or a text-direction mark/override."""
    return bool(UNSAFE_TEXT.search(text or ""))

# where each kind of item may be put
ALLOWED_DESTINATIONS = {
    "volume": frozenset({"storage", "shelf", "slot", "workroom", "workstation"}),
    "media": frozenset({"storage", "shelf", "slot", "workroom", "workstation", "office"}),
    "device": frozenset({"storage", "shelf", "slot", "workroom", "workstation", "office"}),
}


def is_returned(location) -> bool:
    """A location counts as 'back in storage' when its kind is a storage kind."""
    return location is not None and location.kind in STORAGE_KINDS


def state_at(location) -> str:
    """The state an item takes on arriving at a location."""
    return "in_storage" if is_returned(location) else "out"


def can_go(item_kind: str, location_kind: str) -> bool:
    return location_kind in ALLOWED_DESTINATIONS.get(item_kind, frozenset())


def ensure_movable(item) -> None:
    """Raise QuarantinedError / NotAllowedError when the item may not move at all."""
    if item.state == "quarantined":
        raise QuarantinedError(code=item.code)
    if item.state == "retired":
        raise NotAllowedError(N_("%(code)s is retired and cannot move."), code=item.code)


def ensure_can_go(item, to) -> None:
    """Raise DestinationNotAllowedError when the destination does not suit the item."""
    if not to.is_active or not can_go(item.kind, to.kind):
        raise DestinationNotAllowedError(code=item.code, location=to.name)


def local_date(moment: datetime, tz: str) -> date:
    """The site-local calendar date of a naive-UTC moment."""
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz)).date()


def badge_active_in_every_zone(person, moment: datetime) -> bool:
    """True when the badge is active on every local date a naive-UTC moment has anywhere (UTC−12…+14).

    Validity is one interval of dates, so both ends decide; when this holds the site's time zone
    cannot change the answer and need not be read.
    """
    return (person is not None and person.badge_active_on((moment - timedelta(hours=12)).date())
            and person.badge_active_on((moment + timedelta(hours=14)).date()))


def ensure_badge_active(person, day: date) -> None:
    """Raise BadgeNotActiveError unless the person's badge is active on that day."""
    if person is None or not person.badge_active_on(day):
        raise BadgeNotActiveError(name=person.name if person else "?")


# who may take back into storage a volume someone else holds: the archive staff who receive volumes
RECEIVING_ROLES = frozenset({"archivist", "supervisor"})


def ensure_may_return(item, actor, roles) -> None:
    """Raise NotYoursError when a person returns an item another person holds without a receiving role.

    roles=None means no login is acting (a reader, the scheduler, the command line): the physical
    fact is recorded as seen.
    """
    if roles is None or item.state != "out" or item.holder_id is None:
        return
    if actor is not None and actor.id == item.holder_id:
        return
    if RECEIVING_ROLES.intersection(roles):
        return
    raise NotYoursError(code=item.code, holder=item.holder.name if item.holder else "?")


def ensure_may_move(item, actor, roles) -> None:
    """Raise NotYoursToMoveError when a login moves or hands on an item another person holds without the
    holder, archivist or supervisor role (the same rule as returns); roles=None: no login acts."""
    from .errors import NotYoursToMoveError

    try:
        ensure_may_return(item, actor, roles)
    except NotYoursError:
        raise NotYoursToMoveError(code=item.code, holder=item.holder.name if item.holder else "?") from None
