"""Task assignment over JSON: a supervisor assigns volumes or a batch to an operator or a workstation for a
step; the operator reads what is assigned to them and to the workstation they work at."""
import pytest

from app.custody import accounts
from app.custody.flow import services
from app.custody.flow.models import Assignment
from app.custody.models import AuditLog
from tests import factories

from .conftest import Api
from .helpers import scanner, walk


@pytest.fixture
def boss(client, world, in_db):
    """The supervisor's JSON client."""
    return Api(client, in_db(lambda: accounts.create_token(factories.user("supervisor"), "desk", by=None)[1]))


@pytest.fixture
def batch(world, in_db):
    """A batch (调档批次) of three volumes: its number and codes."""
    def make():
        from app.custody.handovers import make_batch

        vols = [factories.item() for _ in range(3)]
        return make_batch([v.code for v in vols], user=world.archivist).number, [v.code for v in vols]

    return in_db(make)


@pytest.mark.db
def test_supervisor_assigns_a_batch_to_a_workstation_and_volumes_to_an_operator(boss, world, batch, client, in_db):
    number, codes = batch
    r = boss.post("/api/v1/steps/assignments", {"step": "scan", "batch": number, "workstation": "ws-02"})
    assert r.status_code == 201, r.json
    assert r.json["assigned"] == 3 and r.json["message"] == "3 volumes assigned."
    first = r.json["assignments"][0]
    assert (first["code"], first["step_name"], first["workstation"]["code"], first["person"]) == (
        codes[0], "Scanning", "WS-02", None)
    r = boss.post("/api/v1/steps/assignments", {"step": "prep", "codes": [world.out.code.lower(), world.out.code],
                                                "person": world.op_badge}, lang={"Accept-Language": "zh-CN"})
    assert r.status_code == 201 and r.json["assigned"] == 1  # the same volume twice is one assignment
    assert r.json["assignments"][0]["step_name"] == "数字化前处理"
    assert in_db(lambda: AuditLog.select().where(AuditLog.action == "step.assign").count()) == 2

    me = Api(client, world.op_token)
    mine = me.get("/api/v1/steps/assignments/mine").json
    assert [(a["code"], a["step"]) for a in mine["assignments"]] == [(world.out.code, "prep")]
    at_desk = me.get("/api/v1/steps/assignments/mine?workstation=WS-02").json
    assert at_desk["workstation"]["code"] == "WS-02"
    assert [a["code"] for a in at_desk["assignments"]] == [*codes, world.out.code]
    elsewhere = me.get("/api/v1/steps/assignments/mine?workstation=WS-01").json
    assert [a["code"] for a in elsewhere["assignments"]] == [world.out.code]
    shelf = me.get("/api/v1/steps/assignments/mine?workstation=KF-A-01").json  # not a workstation: ignored
    assert shelf["workstation"] is None and len(shelf["assignments"]) == 1
    assert me.get("/api/v1/steps/assignments/mine?workstation=NOWHERE").status_code == 404

    listed = boss.get("/api/v1/steps/assignments?workstation=WS-02").json["assignments"]
    assert [a["code"] for a in listed] == codes
    assert boss.get("/api/v1/steps/assignments?step=prep").json["assignments"][0]["person"]["badge"] == world.op_badge


@pytest.mark.db
def test_a_done_step_leaves_the_list_and_a_new_assignment_replaces_the_old(boss, world, in_db, client):
    def seed():
        op = world.operator
        walk(world.out.code, op, scanner("WS-01"), upto="catalogue")
        return factories.user("operator")

    other = in_db(seed)
    assert boss.post("/api/v1/steps/assignments", {"step": "catalogue", "codes": [world.out.code],
                                                   "person": world.op_badge}).status_code == 201
    me = Api(client, world.op_token)
    assert len(me.get("/api/v1/steps/assignments/mine").json["assignments"]) == 1
    boss.post("/api/v1/steps/assignments", {"step": "catalogue", "codes": [world.out.code],
                                            "person": other.person.badge_code})
    assert me.get("/api/v1/steps/assignments/mine").json["assignments"] == []  # given to someone else
    assert in_db(lambda: Assignment.select().where(Assignment.is_open == True).count()) == 1  # noqa: E712
    boss.post("/api/v1/steps/assignments", {"step": "catalogue", "codes": [world.out.code],
                                            "person": world.op_badge})
    in_db(lambda: services.record_step(world.out.code, "catalogue", "skip", actor=world.operator.person,
                                       user=world.operator, reason="已有目录"))
    assert me.get("/api/v1/steps/assignments/mine").json["assignments"] == []  # done (skipped)


@pytest.mark.db
@pytest.mark.parametrize("body, status, code", [
    ({"step": "nope", "codes": ["OUT"], "workstation": "WS-01"}, 404, "unknown_step"),
    ({"step": "scan", "codes": ["V99999999"], "workstation": "WS-01"}, 404, "unknown_code"),
    ({"step": "scan", "batch": "PC19990101-001", "workstation": "WS-01"}, 404, "unknown_batch"),
    ({"step": "scan", "codes": ["OUT"], "person": "B99999999"}, 404, "unknown_person"),
    ({"step": "scan", "codes": ["OUT"], "workstation": "NOWHERE"}, 404, "unknown_location"),
    ({"step": "scan", "codes": ["OUT"], "workstation": "KF-A-01"}, 422, "invalid"),  # a shelf
    ({"step": "scan", "codes": ["OUT"]}, 422, "invalid"),  # nobody named
    ({"step": "scan", "codes": [], "workstation": "WS-01"}, 422, "invalid"),  # no volume
    ({"step": "scan", "codes": ["OUT", "DEVICE"], "workstation": "WS-01"}, 422, "invalid"),  # not a volume
    ({"step": "scan", "codes": "OUT", "workstation": "WS-01"}, 422, "invalid"),  # not a list
])
def test_refusals_assign_nothing(boss, world, in_db, snapshot, body, status, code):
    device = in_db(lambda: scanner("WS-01").item.code)
    if isinstance(body.get("codes"), list):
        body = {**body, "codes": [{"OUT": world.out.code, "DEVICE": device}.get(c, c) for c in body["codes"]]}
    before = snapshot()
    r = boss.post("/api/v1/steps/assignments", body, lang={"Accept-Language": "zh-CN"})
    assert (r.status_code, r.json["error"]["code"]) == (status, code), r.json
    assert r.json["error"]["message"] and r.json["error"]["message"].isascii() is False  # in the caller's language
    assert snapshot() == before and in_db(lambda: Assignment.select().count()) == 0


@pytest.mark.db
def test_operators_read_their_own_and_do_not_assign(world, client, in_db):
    me = Api(client, world.op_token)
    r = me.post("/api/v1/steps/assignments", {"step": "scan", "codes": [world.out.code], "person": world.op_badge})
    assert r.status_code == 403
    assert me.get("/api/v1/steps/assignments").status_code == 403
    audit = Api(client, world.audit_token)
    read = audit.get("/api/v1/steps/assignments/mine")  # the auditor reads everything; nothing is theirs
    assert read.status_code == 200 and read.json["assignments"] == []
    assert in_db(lambda: Assignment.select().count()) == 0
