from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("readers", __name__)


@bp.record_once
def _setup(state):
    from app.security import add_nav
    from app.web import names

    add_nav(state.app, "readers.door_log", _l("Door log"), "doors.view", 70)
    add_nav(state.app, "readers.readers", _l("Readers"), "admin.readers", 80)
    # the alert board names alerts by kind: add the kinds the reader rules open
    names.ALERT_KIND_NAMES.update({
        "access_denied": _l("Door pass denied"), "volume_at_exit": _l("Volume at the exit"),
        "removed_without_checkout": _l("Removed without check-out"), "reader_offline": _l("Reader offline"),
    })


from . import views  # noqa: E402,F401
