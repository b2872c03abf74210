"""JSON API /api/v1: items, custody actions, the OpenAPI document."""
from . import bp  # noqa: F401
