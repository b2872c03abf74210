from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("flow", __name__, url_prefix="/flow")


@bp.record_once
def _nav(state):
    from app.security import add_nav

    add_nav(state.app, "flow.board", _l("Work in progress"), "steps.board", 45)
    add_nav(state.app, "flow.mine", _l("My tasks"), "steps.record", 46)
    add_nav(state.app, "flow.index", _l("Process steps"), "steps.view", 47)
    add_nav(state.app, "flow.devices", _l("Devices"), "devices.view", 48)


from . import views  # noqa: E402,F401
