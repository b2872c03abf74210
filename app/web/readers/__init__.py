from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("readers", __name__)

# why a door pass was refused (AccessEvent.reason), as the door log and the person page show it
ACCESS_REASON_NAMES = {
    "unknown_badge": _l("unknown badge"), "not_vetted": _l("not vetted"), "suspended": _l("suspended"),
    "revoked": _l("revoked"), "expired": _l("expired"), "not_yet_valid": _l("not yet valid"),
    "after_hours": _l("outside working hours"),
}


@bp.record_once
def _setup(state):
    from app.security import add_nav
    from app.web import names

    add_nav(state.app, "readers.door_log", _l("Door log"), "doors.view", 70)
    add_nav(state.app, "readers.readers", _l("Readers"), "admin.readers", 80)
    # the alert board names alerts by kind: add the kinds the reader rules open
    state.app.jinja_env.globals["ACCESS_REASON_NAMES"] = ACCESS_REASON_NAMES
    names.ALERT_KIND_NAMES.update({
        "access_denied": _l("Door pass denied"), "volume_at_exit": _l("Volume at the exit"),
        "removed_without_checkout": _l("Removed without check-out"), "reader_offline": _l("Reader offline"),
    })


from . import views  # noqa: E402,F401
