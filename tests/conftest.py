"""Test fixtures: a real database per test (SQLite file, or PostgreSQL when
CUSTODY_TEST_DATABASE_URL is set), the app, a client, and login helpers.

SQLite: the schema is migrated once into a template file, copied for every test.
PostgreSQL: one schema per run (so parallel runs never collide), migrated once, every table
truncated before each test.
"""
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from urllib.parse import quote

import pytest

from app import create_app
from app.custody.migrate import upgrade
from app.db import db, make_database

PG_URL = os.environ.get("CUSTODY_TEST_DATABASE_URL", "")
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
DB_FIXTURES = {"app", "database", "client", "db_url"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if DB_FIXTURES.intersection(item.fixturenames):
            item.add_marker(pytest.mark.db)


def pytest_configure(config):
    config.addinivalue_line("markers", "db: touches the database (rerun against PostgreSQL in CI)")


@contextmanager
def private_pg_schema(prefix: str):
    """A new, empty PostgreSQL schema on CUSTODY_TEST_DATABASE_URL, dropped afterwards; yields its URL.
    Parallel runs on one server never see each other's tables."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_database(PG_URL)
    admin.connect()
    admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    admin.close()
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options={quote(f'-c search_path={schema}')}"
    finally:
        admin.connect()
        admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
        admin.close_all()


@pytest.fixture(autouse=True)
def _instance_folder(tmp_path, monkeypatch):
    """Every app a test makes keeps its instance files (the signing key above all) in the test's own
    folder, never in the checkout's instance/: a key left there by one test would change what the next
    one's `verify-log` expects."""
    monkeypatch.setenv("CUSTODY_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture(autouse=True)
def _fresh_numbers(monkeypatch):
    """Every test numbers its factory-made codes from 1 (V00000001, B00000001, user1 …), as if it ran first: a
    test passes or fails the same alone, in any order and in any xdist worker."""
    import itertools

    from tests import factories

    monkeypatch.setattr(factories, "_seq", itertools.count(1))


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    if PG_URL:
        with private_pg_schema("t") as url:
            database = make_database(url)
            database.connect()
            upgrade(database)
            tables = [t for t in database.get_tables() if t != "migratehistory"]
            database.close()
            yield ("pg", url, tables)
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        database = make_database(f"sqlite:///{path}")
        database.connect()
        upgrade(database)
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database.close()
        yield ("sqlite", str(path), [])


def fresh_db_url(template, folder) -> str:
    """A fresh, migrated, empty database made from the session's template; its URL."""
    kind, source, tables = template
    if kind == "sqlite":
        target = folder / "custody.db"
        shutil.copy(source, target)
        return f"sqlite:///{target}"
    database = make_database(source)
    database.connect()
    database.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    database.execute_sql("INSERT INTO log_head (name, last_id, last_hash) VALUES "
                         f"('event', 0, '{'0' * 64}'), ('audit', 0, '{'0' * 64}')")
    database.close()
    return source


@pytest.fixture
def db_url(_template_db, tmp_path):
    """A fresh, migrated, empty database for this test; its URL."""
    return fresh_db_url(_template_db, tmp_path)


def make_app(db_url, folder):
    """The app as the tests configure it, its instance files in folder/instance."""
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "PASSWORD_PROFILE": "fast",
                      "SECRET_KEY": "test-" + uuid.uuid4().hex})
    app.instance_path = str(folder / "instance")

    def _fresh_g():
        # the `database` fixture keeps an app context pushed, and Flask then reuses it (and its `g`)
        # for every test request: start each request with an empty g, as in production, so cached
        # per-request state (CSRF token, logged-in user, locale, site time zone) never leaks between requests
        from flask import g

        g.__dict__.clear()

    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    return app


def close_app_database():
    if not db.is_closed():
        db.close()
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()


@pytest.fixture
def app(db_url, tmp_path):
    yield make_app(db_url, tmp_path)
    close_app_database()


@pytest.fixture
def database(app):
    """An app context with the database connected, for calling services directly."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        yield db
        if not db.is_closed():
            db.close()


@pytest.fixture
def site(database):
    from tests import factories

    return factories.site()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path="/login") -> str:
    """The CSRF token the page at path carries (what a browser would submit)."""
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def login(app, client):
    """login(role, ...) → the User, logged in on `client` through the real login form."""
    from tests import factories

    def _login(*roles, username=None, person=True):
        with app.app_context():
            db.connect(reuse_if_open=True)
            user = factories.user(*roles, username=username, with_person=person)
        token = csrf_token(client)
        response = client.post("/login", data={"username": user.username, "password": factories.PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _login


@pytest.fixture
def post(client):
    """post(path, data) with the page's CSRF token added, as a browser form would."""

    def _post(path, data=None, token_from="/", **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(client, token_from))
        return client.post(path, data=data, **kwargs)

    return _post
