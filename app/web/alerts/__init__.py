from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.record_once
def _setup(state):
    from app.security import add_nav

    add_nav(state.app, "alerts.board", _l("Alerts"), "alerts.view", order=40)
    add_nav(state.app, "alerts.settings", _l("Night rule"), "admin.settings", order=85)


from . import views  # noqa: E402,F401
