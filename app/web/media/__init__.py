from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.record_once
def _setup(state):
    from app.security import add_nav

    add_nav(state.app, "media.register", _l("Media"), "media.view", order=45)
    # the history table and the alert board name this area's event and alert kinds from
    # app/custody/media/codes.py (they extend the core's sets)


from . import views  # noqa: E402,F401
