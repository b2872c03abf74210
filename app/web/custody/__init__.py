from flask import Blueprint

bp = Blueprint("custody", __name__)

from . import views  # noqa: E402,F401
