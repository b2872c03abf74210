"""POST /api/v1/steps, GET /api/v1/items/<code>/sheet and the board over JSON, on SQLite and PostgreSQL."""
import pytest

from app.custody.flow import services
from app.custody.flow.models import ProcessStep
from tests import factories

from .conftest import Api
from .helpers import scanner, walk


@pytest.fixture
def api(client, world):
    return Api(client, world.op_token)


def step(api, code, name, action, n=[0], lang=None, **extra):  # noqa: B006 (a counter for unique client ids)
    n[0] += 1
    body = {"code": code, "step": name, "action": action, "client_id": f"t-{n[0]}", **extra}
    return api.post("/api/v1/steps", body, **({"lang": lang} if lang else {}))


@pytest.mark.db
def test_start_and_finish_over_the_api_with_replay(api, world, in_db):
    first = api.post("/api/v1/steps", {"code": world.out.code, "step": "out", "action": "start", "client_id": "a1"})
    assert first.status_code == 201, first.json
    again = api.post("/api/v1/steps", {"code": world.out.code, "step": "out", "action": "start", "client_id": "a1"})
    assert again.status_code == 200 and again.json["replayed"] and again.json["event_id"] == first.json["event_id"]
    done = step(api, world.out.code, "out", "finish")
    assert done.status_code == 201 and done.json["step"]["outcome"] == "done"
    sheet = api.get(f"/api/v1/items/{world.out.code.lower()}/sheet").json
    assert [(r["step"], r["outcome"], r["handler"]) for r in sheet["steps"]] == [
        ("out", "done", world.operator.person.name)]
    assert sheet["events"][0]["kind"] == "check_out"  # the custody events between the steps


@pytest.mark.db
def test_refusals_have_codes_and_change_nothing(api, world, in_db, snapshot):
    before = snapshot()
    refused = step(api, world.out.code, "scan", "start")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "step_out_of_order"
    assert "Out of storage" in refused.json["error"]["message"]
    zh = step(api, world.out.code, "scan", "start", lang={"Accept-Language": "zh-CN"})
    assert zh.json["error"]["code"] == "step_out_of_order"
    assert step(api, world.out.code, "out", "jump").status_code == 422
    assert step(api, world.out.code, "nope", "start").json["error"]["code"] == "unknown_step"
    assert step(api, "V99999999", "out", "start").status_code == 404
    assert step(api, world.out.code, "out", "start", location="NOWHERE").status_code == 404
    assert api.post("/api/v1/steps", {"code": world.out.code}).status_code == 422
    assert snapshot() == before


@pytest.mark.db
def test_device_refusals_over_the_api(api, world, in_db):
    def setup():
        op = world.operator
        walk(world.out.code, op, None, upto="catalogue")
        services.record_step(world.out.code, "catalogue", "skip", actor=op.person, user=op, reason="有目录")
        return (scanner("WS-01", "under_repair").item.code, scanner("WS-02").item.code, scanner("WS-01").item.code)

    broken, elsewhere, here = in_db(setup)
    assert step(api, world.out.code, "scan", "start").json["error"]["code"] == "device_needed"
    unknown = step(api, world.out.code, "scan", "start", device="D99999999")
    assert (unknown.status_code, unknown.json["error"]["code"]) == (404, "unknown_device")
    assert step(api, world.out.code, "scan", "start", device=broken).json["error"]["code"] == "device_not_in_service"
    assert step(api, world.out.code, "scan", "start", device=elsewhere).json["error"]["code"] == "device_elsewhere"
    assert step(api, world.out.code, "scan", "start", device=here).status_code == 201
    assert step(api, world.out.code, "scan", "finish").json["error"]["code"] == "count_needed"
    assert step(api, world.out.code, "scan", "finish", count=100).status_code == 201


@pytest.mark.db
def test_board_counts_on_a_seeded_site(client, world, in_db):
    def seed():
        op = world.operator
        device = scanner()
        vols = [factories.item() for _ in range(6)]
        for v in vols[:2]:
            walk(v.code, op, device, upto="scan")  # waiting for scanning
        walk(vols[2].code, op, device, upto="scan")
        services.record_step(vols[2].code, "scan", "start", device=device.item.code, actor=op.person, user=op)
        walk(vols[3].code, op, device, upto="qc")
        services.record_step(vols[3].code, "qc", "fail", actor=op.person, user=op, reason="模糊")
        walk(vols[4].code, op, device)  # finished
        services.record_step(vols[5].code, "out", "start", actor=op.person, user=op)
        return factories.user("supervisor")

    boss = in_db(seed)
    token = in_db(lambda: __import__("app.custody.accounts", fromlist=["x"]).create_token(boss, "b", by=None)[1])
    board = Api(client, token).get("/api/v1/steps/board").json
    by = {s["step"]: s for s in board["steps"]}
    assert by["scan"]["waiting"] == 2 and by["scan"]["in_progress"] == 1 and by["scan"]["rework"] == 1
    assert by["out"]["in_progress"] == 1 and board["finished"] == 1 and board["reworks"] == 1
    assert [r["step"] for r in board["oldest"]][:1] in (["scan"], ["out"])
    output = Api(client, token).get("/api/v1/steps/output?days=3").json
    assert sum(sum(o["per_day"]) for o in output["operators"]) > 0
    assert Api(client, world.op_token).get("/api/v1/steps/board").status_code == 403


@pytest.mark.db
def test_a_client_id_answers_only_the_same_step_scan_of_the_same_login(api, world, client, in_db):
    first = api.post("/api/v1/steps", {"code": world.out.code, "step": "out", "action": "start", "client_id": "k1"})
    assert first.status_code == 201
    reused = api.post("/api/v1/steps", {"code": world.vol.code, "step": "out", "action": "start", "client_id": "k1"})
    assert (reused.status_code, reused.json["error"]["code"]) == (422, "idempotency_key_reused")
    assert world.out.code in reused.json["error"]["message"]
    other = Api(client, world.arch_token)  # another login's key of the same text is its own
    assert other.post("/api/v1/steps", {"code": world.vol.code, "step": "out", "action": "start",
                                        "client_id": "k1"}).status_code == 201
    assert in_db(lambda: ProcessStep.select().count()) == 2
