from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("scanning", __name__)


@bp.record_once
def _nav(state):
    from app.security import add_nav

    add_nav(state.app, "scanning.scan", _l("Scan"), "custody.move", order=5)


from . import views  # noqa: E402,F401
