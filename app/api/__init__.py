from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import views  # noqa: E402,F401
from . import readers  # noqa: E402,F401  (reader ingest, reads, door passes)
