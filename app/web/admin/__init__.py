from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.security import add_nav

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.record_once
def _add_nav(state):
    add_nav(state.app, "admin.users", _l("Users"), "admin.users", order=80)
    add_nav(state.app, "admin.locations", _l("Manage locations"), "admin.locations", order=81)
    add_nav(state.app, "admin.settings", _l("Site settings"), "admin.settings", order=82)


from . import views  # noqa: E402,F401
