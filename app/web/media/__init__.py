from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.record_once
def _setup(state):
    from app.custody.media import codes
    from app.security import add_nav
    from app.web import names

    add_nav(state.app, "media.register", _l("Media"), "media.view", order=45)
    # the history table and the alert board name this area's event and alert kinds too
    names.EVENT_KIND_NAMES.update({k: _l(v) for k, v in codes.EVENT_KINDS.items()})
    alert_names = {k: _l(v) for k, v in codes.ALERT_KINDS.items()}
    alert_names["seal_broken"] = _l("Seal found broken")
    names.ALERT_KIND_NAMES.update(alert_names)
    try:
        from app.web.alerts import names as alert_board_names
    except ImportError:  # pragma: no cover - the alerts area is part of the app
        return
    alert_board_names.KIND_NAMES.update(alert_names)


from . import views  # noqa: E402,F401
