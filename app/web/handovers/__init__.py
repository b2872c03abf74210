from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("handovers", __name__, url_prefix="/handovers")


@bp.record_once
def _nav(state):
    from app.security import add_nav

    add_nav(state.app, "handovers.index", _l("Handovers"), "handovers.view", 40)
    add_nav(state.app, "handovers.quarantine_register", _l("Quarantine register"), "quarantine.view", 41)
    add_nav(state.app, "handovers.damage_register", _l("Damage register"), "damage.view", 42)


from . import views  # noqa: E402,F401
