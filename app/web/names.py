"""Display names for codes stored in the database (states, kinds, roles, event kinds), translated."""
from flask_babel import lazy_gettext as _l

STATE_NAMES = {
    "in_storage": _l("In storage"), "out": _l("Out of storage"), "quarantined": _l("Quarantined"),
    "retired": _l("Retired"),
}
ITEM_KIND_NAMES = {"volume": _l("Volume"), "media": _l("Medium"), "device": _l("Device")}
EVENT_KIND_NAMES = {
    "check_out": _l("Checked out"), "return": _l("Returned to storage"), "move": _l("Moved"),
    "hand_over": _l("Handed over"), "quarantine": _l("Quarantined"), "release": _l("Released from quarantine"),
    "damage": _l("Damage recorded"), "undo": _l("Undone"),
    "late_read": _l("Late read (not applied)"),
}
ROLE_NAMES = {
    "operator": _l("Operator"), "archivist": _l("Archivist"), "supervisor": _l("Supervisor"),
    "security_officer": _l("Security officer"), "auditor": _l("Auditor"), "administrator": _l("Administrator"),
}
LOCATION_KIND_NAMES = {
    "site": _l("Site"), "storage": _l("Storage room"), "shelf": _l("Shelf"), "slot": _l("Slot"),
    "workroom": _l("Workroom"), "workstation": _l("Workstation"), "door": _l("Door"), "office": _l("Office"),
}
BADGE_STATUS_NAMES = {"pending": _l("Pending vetting"), "active": _l("Active"), "suspended": _l("Suspended"),
                      "revoked": _l("Revoked")}
VIA_NAMES = {"web": _l("web page"), "api": _l("API"), "scan": _l("handheld scan"), "reader": _l("reader"),
             "cli": _l("command line"), "system": _l("system")}
ALERT_KIND_NAMES = {"quarantine": _l("Quarantine"), "damage": _l("Damage"), "overnight": _l("Not returned overnight")}
SEVERITY_NAMES = {"info": _l("Info"), "warning": _l("Warning"), "critical": _l("Critical")}


def display_name(value: str) -> str:
    """A stored code's display name from any table above (errors use it for their parameters)."""
    for table in (ROLE_NAMES, STATE_NAMES, ITEM_KIND_NAMES, LOCATION_KIND_NAMES, BADGE_STATUS_NAMES):
        if value in table:
            return str(table[value])
    return value


def register(app) -> None:
    app.jinja_env.globals.update(
        STATE_NAMES=STATE_NAMES, ITEM_KIND_NAMES=ITEM_KIND_NAMES, EVENT_KIND_NAMES=EVENT_KIND_NAMES,
        ROLE_NAMES=ROLE_NAMES, LOCATION_KIND_NAMES=LOCATION_KIND_NAMES, BADGE_STATUS_NAMES=BADGE_STATUS_NAMES,
        VIA_NAMES=VIA_NAMES, ALERT_KIND_NAMES=ALERT_KIND_NAMES, SEVERITY_NAMES=SEVERITY_NAMES,
    )
