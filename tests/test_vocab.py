"""One vocabulary: every stored code set is declared once (app.custody.vocab.REGISTRY), named in both
languages, accepted by every filter that offers it, and shown by its name, never as a raw code."""
import importlib.util
import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest

from app.custody import accounts, alerts, audit, codes
from app.custody.errors import CustodyError, ValidationError
from app.custody.models import Site
from app.custody.nights import board
from app.custody.nights.codes import WEEKDAYS
from app.custody.vocab import Codes, all_sets
from app.db import db
from tests import factories

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
i18n_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(i18n_tool)

REGISTRY = all_sets()
EVERY_CODE = [(name, code) for name, codes_ in sorted(REGISTRY.items()) for code in codes_]


class _Text(HTMLParser):
    """The text a reader sees: no tags, no attributes, no scripts."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def test_the_registry_holds_every_stored_code_set():
    # the sets every page, filter and enum reads: adding an area adds its sets here by declaring them
    for name in ("item_kind", "item_state", "event_kind", "location_kind", "via", "role", "badge_status",
                 "alert_kind", "alert_severity", "alert_status", "audit_action", "weekday", "access_reason",
                 "reader_mode", "import_kind", "import_status"):
        assert name in REGISTRY and len(REGISTRY[name]) > 0
    assert len(EVERY_CODE) > 100


def test_a_code_set_cannot_be_declared_twice():
    with pytest.raises(ValueError):
        Codes("item_state", in_storage="In storage")


@pytest.mark.parametrize("set_name, code", EVERY_CODE)
def test_every_code_has_an_english_name_and_a_chinese_translation(set_name, code):
    msgid = REGISTRY[set_name][code]
    assert msgid and (msgid != code or code.isalpha()), f"{set_name}.{code} has no English name"
    assert _translations().get(msgid), f"{set_name}.{code} ({msgid!r}) has no Chinese translation"


_ZH: dict = {}


def _translations() -> dict:
    if not _ZH:
        _ZH.update(i18n_tool.translated())
    return _ZH


def test_the_board_filter_accepts_every_alert_kind_and_nothing_else():
    for kind in codes.ALERT_KINDS:
        assert board.parse_filters({"kind": kind}).kind == kind
    for severity in codes.ALERT_SEVERITIES:
        assert board.parse_filters({"severity": severity}).severity == severity
    for status in board.STATUS_FILTERS:
        assert board.parse_filters({"status": status}).status == status
    # the kinds nothing opens are refused (they were offered, while the reader kinds were refused)
    for stray in ("door_alarm", "badge_denied"):
        with pytest.raises(ValidationError):
            board.parse_filters({"kind": stray})


def test_the_board_page_and_api_filter_by_every_alert_kind(client, login, site):
    login("supervisor")
    for kind in codes.ALERT_KINDS:
        page = client.get(f"/alerts/?kind={kind}")
        assert page.status_code == 200
        assert "Unknown alert kind" not in page.get_data(as_text=True) and "未知的告警类型" not in page.get_data(as_text=True)
        assert f'<option value="{kind}" selected' in page.get_data(as_text=True)
        assert client.get(f"/api/v1/alerts?kind={kind}").status_code == 200, kind
    for severity in codes.ALERT_SEVERITIES:
        assert client.get(f"/api/v1/alerts?severity={severity}").status_code == 200
    assert client.get("/api/v1/alerts?kind=door_alarm").status_code == 422


def test_a_supervisor_can_filter_the_board_for_volumes_at_the_exit(client, login, site):
    vol = factories.item()
    alerts.open_alert("volume_at_exit", severity="critical", item=vol, location=factories.loc("DOOR-1"),
                      message=f"{vol.code} · door")
    alerts.open_alert("access_denied", severity="warning", person=factories.person("李四"),
                      location=factories.loc("DOOR-1"), message="李四 · unknown_badge",
                      data=audit.canonical_json({"reason": "not_vetted", "tag": "62E3086CED"}))
    login("supervisor")
    page = client.get("/alerts/?kind=volume_at_exit").get_data(as_text=True)
    assert vol.code in page and "李四" not in visible_text(page)
    shown = visible_text(client.get("/alerts/?kind=access_denied").get_data(as_text=True))
    assert "李四" in shown and "门禁拒绝通行" in shown and "未通过审查" in shown
    assert "access_denied" not in shown and "unknown_badge" not in shown and "not_vetted" not in shown
    assert client.get("/api/v1/alerts?kind=removed_without_checkout").get_json()["alerts"] == []


def test_item_and_event_filters_accept_every_state_kind_and_event_kind(client, login, site):
    login("auditor")
    for state in codes.ITEM_STATES:
        assert client.get(f"/api/v1/items?state={state}").status_code == 200, state
        assert client.get(f"/items?state={state}").status_code == 200
    for kind in codes.ITEM_KINDS:
        assert client.get(f"/api/v1/items?kind={kind}").status_code == 200, kind
    for kind in codes.EVENT_KINDS:
        page = client.get(f"/audit/events?kind={kind}")
        assert page.status_code == 200, kind
        assert f'<option value="{kind}" selected' in page.get_data(as_text=True)


def test_openapi_enums_are_the_declared_code_sets(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    enums = {repr(c.values_tuple) for c in REGISTRY.values()}
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "enum" in node and all(isinstance(v, str) for v in node["enum"]):
                found.append([v for v in node["enum"] if v])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schemas)
    walk(doc["paths"])
    assert list(codes.ALERT_KINDS) in found and list(codes.EVENT_KINDS) in found
    assert list(codes.ITEM_STATES) in found and list(codes.BADGE_STATUSES) in found
    assert list(REGISTRY["access_reason"]) in found
    # an enum listing stored codes is exactly one declared set (the API never spells a code set itself)
    stored = {code for c in REGISTRY.values() for code in c}
    for enum in found:
        if set(enum) <= stored and len(enum) > 1:
            assert repr(tuple(enum)) in enums, enum


def test_the_admin_log_names_actions_in_the_users_language(client, login, post, site):
    admin = login("administrator")
    other = factories.user("operator", username="wq")
    post(f"/admin/users/{other.id}/password", token_from="/admin/users")
    post("/logout")
    login("auditor")
    shown = visible_text(client.get("/audit/admin-log").get_data(as_text=True))
    assert "已修改密码" in shown and "登录" in shown and "已创建账号" in shown
    assert not re.search(r"\b(user\.password|user\.create|login)\b", shown), shown
    assert admin.username in shown


def test_the_admin_log_names_an_import(client, login, post, site):
    login("security_officer")
    staff = (ROOT / "tests" / "samples" / "staff-zh.csv").read_bytes()
    response = post("/import/people", {"file": (BytesIO(staff), "staff.csv")}, token_from="/import/people",
                    content_type="multipart/form-data")
    assert response.status_code in (200, 302)
    post("/logout")
    login("auditor")
    shown = visible_text(client.get("/audit/admin-log?action=people").get_data(as_text=True))
    assert "已导入人员名单" in shown and "people.import" not in shown


def test_a_night_rule_error_names_the_weekday(client, login, post, site):
    login("administrator")
    form = {"timezone": "Asia/Shanghai", "cutoff": "18:30", "grace_minutes": "30", "holidays": "",
            "mon_start": "08:00", "mon_end": ""}
    page = post("/alerts/settings", form, token_from="/alerts/settings")
    assert page.status_code == 422
    shown = visible_text(page.get_data(as_text=True))
    assert "星期一" in shown and " mon" not in shown and "mon," not in shown


def test_role_names_in_a_refusal_are_translated(site):
    with pytest.raises(CustodyError) as caught:
        accounts.check_roles({"auditor", "administrator"})
    assert "Administrator" in caught.value.message and "administrator" not in caught.value.message


def test_a_code_outside_its_set_cannot_be_stored(site):
    with pytest.raises(ValueError):
        alerts.open_alert("door_alarm")
    with pytest.raises(ValueError):
        audit.append_audit("user.teleport", at=Site.get().created_at)
    assert WEEKDAYS.values_tuple[0] == "mon"


def test_door_log_and_person_page_name_the_refusal(client, login, site):
    from app.custody import readers
    from app.custody.models import AccessEvent

    reader, _secret = readers.register_reader("door-1", location=factories.loc("DOOR-1"), mode="perimeter_door",
                                            protocol="rdm6300", settings={})
    who = factories.person("赵六", badge_status="suspended")
    AccessEvent.create(at=Site.get().created_at, reader=reader, person=who, credential="X", allowed=False,
                       reason="suspended")
    AccessEvent.create(at=Site.get().created_at, reader=reader, person=None, credential="FFFF", allowed=False,
                       reason="unknown_badge")
    db.close()
    login("security_officer")
    shown = visible_text(client.get("/doors").get_data(as_text=True))
    assert "未登记的工牌" in shown and "unknown_badge" not in shown
