from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import views  # noqa: E402,F401
from . import alerts  # noqa: E402,F401  (issue 6: /api/v1/alerts)
