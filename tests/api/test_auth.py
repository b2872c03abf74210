"""Who may call the API: bearer tokens carry their owner's roles and no more; sessions need the CSRF
header on writes; anonymous, bad and revoked tokens are refused; nothing changes on a refusal."""
import pytest

from app.custody import accounts
from app.custody.models import ApiToken, User
from tests import factories as f

from .conftest import EN, ZH, Api


def test_operator_token_cannot_quarantine(as_operator, world, snapshot):
    before = snapshot()
    for lang, message in ((EN, "You are not allowed to do this."), (ZH, "您无权执行此操作。")):
        response = as_operator.post(f"/api/v1/items/{world.vol.code}/quarantine", {"reason": "密级标志"}, lang=lang)
        assert response.status_code == 403
        assert response.get_json()["error"] == {"code": "forbidden", "message": message}
    assert snapshot() == before
    # the same token may do what an operator may
    assert as_operator.post(f"/api/v1/items/{world.vol.code}/check-out", {"location": "WS-01"}).status_code == 201


@pytest.mark.parametrize("action, body", [
    ("check-out", {"location": "WS-01", "person": "{op}"}), ("return", {"location": "KF-A-02"}),
    ("move", {"location": "WS-01"}), ("hand-over", {"person": "{op}"}), ("quarantine", {"reason": "x"}),
    ("release", {"reason": "x"}), ("damage", {"description": "x"}),
])
def test_auditor_reads_but_changes_nothing(as_auditor, world, snapshot, action, body):
    assert as_auditor.get(f"/api/v1/items/{world.vol.code}").status_code == 200
    before = snapshot()
    body = {k: v.format(op=world.op_badge) for k, v in body.items()}
    response = as_auditor.post(f"/api/v1/items/{world.vol.code}/{action}", body)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert snapshot() == before


def test_operator_cannot_release(as_operator, world, in_db, snapshot):
    from app.custody import services

    in_db(lambda: services.quarantine(world.vol.code, actor=None, reason="密级标志"))
    before = snapshot()
    response = as_operator.post(f"/api/v1/items/{world.vol.code}/release", {"reason": "核实"})
    assert response.status_code == 403
    assert snapshot() == before


def test_anonymous_write_is_401(anonymous, world, snapshot):
    before = snapshot()
    for lang, message in ((EN, "Please log in."), (ZH, "请先登录。")):
        response = anonymous.post(f"/api/v1/items/{world.vol.code}/check-out", {"location": "WS-01"}, lang=lang)
        assert response.status_code == 401
        assert response.get_json()["error"] == {"code": "unauthorized", "message": message}
    assert snapshot() == before


@pytest.mark.parametrize("token", ["ct_not-a-real-token", "", "revoked", "disabled"])
def test_bad_revoked_and_disabled_tokens_are_401(client, world, in_db, snapshot, token):
    if token == "revoked":
        token = world.op_token
        in_db(lambda: accounts.revoke_token(ApiToken.get(ApiToken.user == world.operator.id), by=None))
    elif token == "disabled":
        token = world.op_token
        in_db(lambda: User.update(is_active=False).where(User.id == world.operator.id).execute())
    api = Api(client, token or " ")
    before = snapshot()
    for lang, message in ((EN, "The API token is not valid: it is unknown, revoked, or its account is disabled."),
                          (ZH, "API 令牌无效：令牌不存在、已被吊销，或其所属账户已停用。")):
        for response in (api.get(f"/api/v1/items/{world.vol.code}", lang=lang),
                         api.post(f"/api/v1/items/{world.vol.code}/check-out", {"location": "WS-01"}, lang=lang)):
            assert response.status_code == 401
            assert response.get_json()["error"] == {"code": "invalid_token", "message": message}
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before


def test_session_write_needs_the_csrf_header(client, login, world, snapshot):
    user = login("archivist")
    assert user.username
    session = Api(client)
    assert session.get(f"/api/v1/items/{world.vol.code}").status_code == 200  # reads need no token
    before = snapshot()
    for lang, message in ((EN, "The form has expired or is missing its security token. Reload the page and try again."),
                          (ZH, "表单已过期或缺少安全令牌，请刷新页面后重试。")):
        response = session.post(f"/api/v1/items/{world.vol.code}/check-out",
                                {"location": "WS-01", "person": world.op_badge}, lang=lang)
        assert response.status_code == 400
        assert response.get_json()["error"] == {"code": "csrf", "message": message}
    wrong = session.post(f"/api/v1/items/{world.vol.code}/check-out", {"location": "WS-01", "person": world.op_badge},
                         headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "csrf"
    assert snapshot() == before
    ok = Api(client, csrf=True).post(f"/api/v1/items/{world.vol.code}/check-out",
                                     {"location": "WS-01", "person": world.op_badge})
    assert ok.status_code == 201 and ok.get_json()["state"] == "out"


def test_a_bad_token_is_refused_even_beside_a_valid_session(client, login, world, snapshot):
    login("archivist")
    before = snapshot()
    response = Api(client, "ct_forged").post(f"/api/v1/items/{world.vol.code}/check-out",
                                             {"location": "WS-01", "person": world.op_badge})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"
    assert snapshot() == before


def test_a_token_beside_a_session_acts_as_the_token_owner(client, login, world, snapshot):
    login("archivist")  # the session could quarantine; the operator's token cannot
    before = snapshot()
    response = Api(client, world.op_token).post(f"/api/v1/items/{world.vol.code}/quarantine", {"reason": "x"})
    assert response.status_code == 403
    assert snapshot() == before


def test_session_language_choice_applies_to_the_api(client, login, world, post):
    login("operator")
    assert post("/lang/zh_CN", {"next": "/"}).status_code == 302
    response = client.get("/api/v1/items/V99999999")
    assert response.get_json()["error"]["message"] == "未知编号：V99999999"
    assert post("/lang/en", {"next": "/"}).status_code == 302
    response = client.get("/api/v1/items/V99999999", headers=ZH)
    assert response.get_json()["error"]["message"] == "Unknown code: V99999999"


def test_a_new_token_works_at_once(client, world, in_db):
    user = in_db(lambda: f.user("supervisor"))
    secret = in_db(lambda: accounts.create_token(user, "script", by=None)[1])
    response = Api(client, secret).post(f"/api/v1/items/{world.vol.code}/quarantine", {"reason": "发现密级标志"})
    assert response.status_code == 201 and response.get_json()["state"] == "quarantined"


def test_a_token_callers_accept_language_beats_the_accounts_choice(as_operator, world, in_db):
    in_db(lambda: User.update(locale="zh_CN").where(User.id == world.operator.id).execute())
    english = as_operator.get("/api/v1/items/V99999999")
    assert english.get_json()["error"]["message"] == "Unknown code: V99999999"
    fallback = as_operator.client.get("/api/v1/items/V99999999",
                                      headers={"Authorization": f"Bearer {world.op_token}"})
    assert fallback.get_json()["error"]["message"] == "未知编号：V99999999"
