from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("people", __name__)


@bp.record_once
def _setup(state):
    from app.security import add_nav

    add_nav(state.app, "people.changes", _l("Personnel changes"), "people.changes", order=55)
    add_nav(state.app, "people.visitors", _l("Visitors"), "doors.view", order=56)
    add_nav(state.app, "people.roles_page", _l("Role approvals"), "roles.approve", order=95)
    # the alert board and the admin log name this area's alert kinds and actions from
    # app/custody/people/codes.py (they extend the core's sets)
    from app.custody.people import codes  # noqa: F401


from . import views  # noqa: E402,F401
