from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("imports", __name__, url_prefix="/import")


@bp.record_once
def _nav(state):
    from app.security import add_nav

    add_nav(state.app, "imports.upload_items", _l("Import catalogue"), "items.import", 60)
    add_nav(state.app, "imports.upload_people", _l("Import staff"), "people.import", 61)


from . import views  # noqa: E402,F401
