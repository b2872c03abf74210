"""Small helpers shared by the page blueprints."""
from flask import flash, request
from flask_login import current_user

from app.i18n import translate_error


def client_ip() -> str:
    return request.remote_addr or ""


def actor_person():
    """The Person behind the logged-in account (None for accounts without a badge)."""
    return current_user.person if current_user.is_authenticated else None


def flash_error(err) -> None:
    flash(translate_error(err), "error")
