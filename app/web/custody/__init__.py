from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("custody", __name__)


@bp.record_once
def _nav(state):
    from app.security import add_nav

    add_nav(state.app, "custody.dashboard", _l("Dashboard"), None, order=1)
    add_nav(state.app, "custody.items", _l("Items"), "items.view", order=10)
    add_nav(state.app, "custody.people", _l("People"), "people.view", order=11)
    add_nav(state.app, "custody.locations", _l("Locations"), "locations.view", order=12)

from . import views  # noqa: E402,F401
