from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("completion", __name__)


@bp.record_once
def _setup(state):
    from app.security import add_nav

    add_nav(state.app, "completion.inspections", _l("Inspections"), "inspections.view", order=70)
    add_nav(state.app, "completion.acceptance", _l("Acceptance"), "completion.view", order=95)


from . import views  # noqa: E402,F401
