"""Display names for alert kinds, statuses and resolutions (the core's table plus the kinds other areas raise)."""
from flask_babel import lazy_gettext as _l

from app.web.names import ALERT_KIND_NAMES as CORE_KIND_NAMES

KIND_NAMES = {
    **CORE_KIND_NAMES,
    "overnight": _l("Not returned overnight"),
    "door_alarm": _l("Door alarm"),
    "badge_denied": _l("Badge denied"),
    "reader_offline": _l("Reader offline"),
    "quarantine": _l("Quarantine"),
    "damage": _l("Damage"),
    "medium_overdue": _l("Medium overdue"),
}
STATUS_NAMES = {"open": _l("Open"), "acknowledged": _l("Acknowledged"), "resolved": _l("Resolved"),
                "active": _l("Open or acknowledged"), "all": _l("All")}
# what the system writes when it resolves an alert itself
AUTO_RESOLUTIONS = {"returned to storage": _l("Returned to storage"), "released": _l("Released from quarantine"),
                    "medium returned": _l("Medium returned")}
WEEKDAY_NAMES = {"mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
                 "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday")}
