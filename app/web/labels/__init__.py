from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("labels", __name__, url_prefix="/labels")


@bp.record_once
def _nav(state):
    from app.security import add_nav

    add_nav(state.app, "labels.index", _l("Labels"), "labels.print", order=60)
    add_nav(state.app, "labels.badges", _l("Badges"), "badges.print", order=61)
    add_nav(state.app, "labels.printers", _l("Printers"), "admin.settings", order=90)


from . import views  # noqa: E402,F401
