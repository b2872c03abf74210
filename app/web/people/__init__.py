from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("people", __name__)


@bp.record_once
def _setup(state):
    from app.custody.people import codes
    from app.security import add_nav
    from app.web import names

    add_nav(state.app, "people.changes", _l("Personnel changes"), "people.changes", order=55)
    add_nav(state.app, "people.roles_page", _l("Role approvals"), "roles.approve", order=95)
    alert_names = {k: _l(v) for k, v in codes.ALERT_KINDS.items()}
    names.ALERT_KIND_NAMES.update(alert_names)
    try:
        from app.web.alerts import names as alert_board_names
    except ImportError:  # pragma: no cover - the alerts area is part of the app
        return
    alert_board_names.KIND_NAMES.update(alert_names)


from . import views  # noqa: E402,F401
