from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.security import add_nav

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.record_once
def _add_nav(state):
    add_nav(state.app, "audit.index", _l("Audit"), "audit.read", order=85)
    add_nav(state.app, "audit.events", _l("Custody log"), "audit.read", order=86)
    add_nav(state.app, "audit.admin_log", _l("Admin log"), "audit.read", order=87)


from . import views  # noqa: E402,F401
