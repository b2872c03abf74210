from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("readers", __name__)


@bp.record_once
def _setup(state):
    from app.security import add_nav

    add_nav(state.app, "readers.door_log", _l("Door log"), "doors.view", 70)
    add_nav(state.app, "readers.readers", _l("Readers"), "admin.readers", 80)


from . import views  # noqa: E402,F401
