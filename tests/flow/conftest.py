"""The API fixtures (a small site with tokens, a JSON client) and page-test helpers for the flow sheet's tests."""
import pytest

from app.db import db
from tests.api.conftest import Api, in_db, snapshot, world  # noqa: F401


@pytest.fixture
def in_app(app):
    """in_app(fn): run fn in the app's context with the database connected (seeding for page tests)."""
    def run(fn):
        with app.app_context():
            db.connect(reuse_if_open=True)
            return fn()
    return run
