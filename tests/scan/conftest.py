"""Scan tests: helpers to post scans as the page does, and the group-commit writers stopped per test."""
import itertools

import pytest

from app.custody import groupcommit
from tests.conftest import csrf_token as _page_token

_ids = itertools.count(1)


def fresh_g() -> None:
    """The test's app context outlives requests (and is shared by several clients): forget what the last
    request cached on g (flask-login's user, flask-wtf's token, flask-babel's locale), as a new request would."""
    from flask import g, has_app_context

    if has_app_context():
        g.__dict__.clear()


def csrf_token(client, path="/scan") -> str:
    """The CSRF token the page at path carries."""
    fresh_g()
    return _page_token(client, path)


@pytest.fixture(autouse=True)
def _stop_writers():
    yield
    groupcommit.stop_all()  # each test has its own database file: never reuse a writer across them


@pytest.fixture
def scan(client):
    """scan(code, action, **fields) → the JSON response, posted with the page's CSRF header."""
    state = {}

    def _scan(code, action="check_out", *, client_id=None, headers=None, **fields):
        if "token" not in state:
            state["token"] = csrf_token(client, "/scan")
        fresh_g()
        body = {"code": code, "action": action, "client_id": client_id or f"t-{next(_ids)}", **fields}
        return client.post("/api/v1/scans", json=body,
                           headers=headers if headers is not None else {"X-CSRFToken": state["token"]})

    def _undo(**body):
        if "token" not in state:
            state["token"] = csrf_token(client, "/scan")
        body.setdefault("client_id", f"u-{next(_ids)}")
        fresh_g()
        return client.post("/api/v1/scans/undo", json=body, headers={"X-CSRFToken": state["token"]})

    _scan.undo = _undo
    return _scan

