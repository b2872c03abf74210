"""API test fixtures: a small site with people, accounts and tokens, and a JSON client."""
import json
from dataclasses import dataclass

import pytest

from app.custody import accounts
from app.custody.models import Alert, AuditLog, Event, Item
from app.db import db
from tests import factories as f
from tests.conftest import csrf_token

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@dataclass
class World:
    vol: Item  # in storage on KF-A-01
    out: Item  # checked out to the operator at WS-01
    operator: object  # User
    archivist: object
    auditor: object
    op_token: str
    arch_token: str
    audit_token: str
    pending_badge: str
    op_badge: str
    arch_badge: str


@pytest.fixture
def world(app) -> World:
    """The data, made in an app context of its own: a context left pushed would be reused by every
    request of the test client (and with it g: the cached locale and user)."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        return _make_world()


def _make_world() -> World:
    from app.custody import services

    f.site()
    operator = f.user("operator", username="op")
    archivist = f.user("archivist", username="arch")
    auditor = f.user("auditor", username="aud", with_person=False)
    vol = f.item(archive_no="J012-WS·2019-Y-0001", title="关于档案数字化的会议纪要")
    out = f.item(archive_no="J012-WS·2019-Y-0002", title="年度工作总结")
    services.check_out(out.code, to=f.loc("WS-01"), holder=operator.person, actor=archivist.person)
    pending = f.person("李四", badge_status="pending")
    return World(
        vol=vol, out=out, operator=operator, archivist=archivist, auditor=auditor,
        op_token=accounts.create_token(operator, "handheld", by=None)[1],
        arch_token=accounts.create_token(archivist, "desk", by=None)[1],
        audit_token=accounts.create_token(auditor, "audit", by=None)[1],
        pending_badge=pending.badge_code, op_badge=operator.person.badge_code,
        arch_badge=archivist.person.badge_code,
    )


@pytest.fixture
def in_db(app):
    """in_db(fn, *args) → fn's result, run in a fresh app context with the database connected."""

    def run(fn, *args, **kwargs):
        with app.app_context():
            db.connect(reuse_if_open=True)
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def snapshot(in_db):
    """Everything a refused request must leave as it was: the logs, the alerts, every item's state."""

    def take() -> tuple:
        def read():
            items = tuple(Item.select(Item.code, Item.state, Item.location, Item.holder, Item.is_damaged,
                                      Item.last_event_id).order_by(Item.code).tuples())
            return Event.select().count(), AuditLog.select().count(), Alert.select().count(), items

        return in_db(read)

    return take


class Api:
    """A JSON client: bearer token, or the logged-in session with (or without) the CSRF header."""

    def __init__(self, client, token: str | None = None, csrf: bool = False):
        self.client, self.token, self.csrf = client, token, csrf

    def headers(self, extra: dict | None = None) -> dict:
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.csrf:
            headers["X-CSRFToken"] = csrf_token(self.client, "/")
        headers.update(extra or {})
        return headers

    def get(self, path: str, lang: dict = EN, **kwargs):
        return self.client.get(path, headers=self.headers(lang), **kwargs)

    def post(self, path: str, body=None, lang: dict = EN, headers: dict | None = None, raw: bytes | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(path, data=data, content_type="application/json",
                                headers=self.headers({**lang, **(headers or {})}))


@pytest.fixture
def as_operator(client, world) -> Api:
    return Api(client, world.op_token)


@pytest.fixture
def as_archivist(client, world) -> Api:
    return Api(client, world.arch_token)


@pytest.fixture
def as_auditor(client, world) -> Api:
    return Api(client, world.audit_token)


@pytest.fixture
def anonymous(client) -> Api:
    return Api(client)
