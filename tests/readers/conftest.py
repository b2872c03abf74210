"""Reader tests talk to the database without holding an app context open, so the test client's
requests each get their own context (a shared `g` would cache the login and the CSRF token)."""
import pytest

from app.db import db


@pytest.fixture
def dbconn(app):
    """The test's own database connection (peewee needs no app context)."""
    # on PostgreSQL each test-client request hands this thread's connection back to the pool:
    # let the test body's own queries reconnect
    db.obj.autoconnect = True
    db.connect(reuse_if_open=True)
    yield db
    if not db.is_closed():
        db.close()


@pytest.fixture
def rsite(dbconn):
    from tests import factories

    return factories.site()
