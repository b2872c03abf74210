"""The flow sheet's pages: steps, devices, a volume's sheet and its PDF, assignment, my tasks, the board."""
from datetime import timedelta

from app.custody.flow.models import Assignment, Device, StepDef
from app.custody.models import AuditLog
from tests import factories
from tests.clock import TEST_NOW
from tests.conftest import csrf_token
from tests.labels.helpers import text_of

from .helpers import scanner, steps_with_events_between, walk


def test_administrator_changes_a_step_and_registers_a_device(login, post, client, in_app):
    in_app(factories.site)
    login("administrator")
    page = client.get("/flow/").get_data(as_text=True)
    assert "档案扫描" in page or "Scanning" in page
    r = post("/flow/steps", {"code": "scan", "name_zh": "档案扫描", "name_en": "Scanning", "position": "40",
                             "counts": "images", "needs_device": "y", "is_active": "y"}, token_from="/flow/")
    assert r.status_code == 302
    r = post("/flow/steps", {"code": "qc2", "name_zh": "二次质检", "name_en": "Second check", "position": "5",
                             "counts": "none", "rework_to": "scan", "is_active": "y"}, token_from="/flow/")
    assert r.status_code == 302
    assert in_app(lambda: StepDef.get_or_none(StepDef.code == "qc2")) is None  # a check sends back, not forward
    r = post("/flow/devices", {"name": "富士通 fi-7600", "workstation": "WS-01"}, token_from="/flow/devices")
    assert r.status_code == 302
    device, code = in_app(lambda: (lambda d: (d, d.item.code))(Device.select().first()))
    assert device.name == "富士通 fi-7600"
    r = post(f"/flow/devices/{code}/state", {"status": "under_repair"}, token_from="/flow/devices")
    assert in_app(lambda: Device.get_by_id(device.id).status) == "under_repair"
    assert in_app(lambda: AuditLog.select().where(AuditLog.action.startswith("device.")).count()) == 2
    assert "富士通 fi-7600" in client.get("/flow/devices").get_data(as_text=True)


def test_operator_sees_the_sheet_and_its_pdf(login, client, in_app):
    op = login("operator")

    def seed():
        factories.site()
        volume = factories.item()
        walk(volume.code, op, scanner(), upto="image")
        return volume

    volume = in_app(seed)
    page = client.get(f"/flow/sheet/{volume.code}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "档案扫描" in page and op.person.name in page
    body = client.get(f"/flow/sheet/{volume.code}.pdf?size=A5&lang=en").data
    assert "Scanning" in text_of(body)[0]
    assert client.get(f"/flow/sheet/{volume.code}.pdf?size=B4").status_code == 400
    assert client.get("/flow/sheet/V99999999").status_code == 404


def test_supervisor_assigns_a_batch_and_the_operator_sees_it(app, client, login, post, in_app):
    def seed():
        from app.custody.handovers import make_batch

        factories.site()
        archivist = factories.user("archivist")
        vols = [factories.item() for _ in range(3)]
        batch = make_batch([v.code for v in vols], user=archivist)
        return vols, batch.number, factories.user("operator")

    vols, number, operator = in_app(seed)
    login("supervisor")
    r = post("/flow/assign", {"step": "scan", "batch": number, "person": operator.person.badge_code},
             token_from="/flow/assign")
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    assert in_app(lambda: Assignment.select().count()) == 3
    board = client.get("/flow/board").get_data(as_text=True)
    assert "step-counts" in board
    csv_text = client.get("/flow/board.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].lstrip("\ufeff").startswith("step,name_zh")
    pdf_body = client.get(f"/flow/sheets.pdf?batch={number}&lang=zh").data
    assert len(text_of(pdf_body)) == 3
    client2 = app.test_client()  # the operator's own handheld
    token = csrf_token(client2)
    client2.post("/login", data={"username": operator.username, "password": factories.PASSWORD, "csrf_token": token})
    mine = client2.get("/flow/mine", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert all(v.code in mine for v in vols) and "档案扫描" in mine
    extra = in_app(lambda: factories.item())
    r = post("/flow/assign", {"step": "prep", "codes": extra.code, "workstation": "WS-02"}, token_from="/flow/assign")
    assert r.status_code == 302
    assert extra.code not in client2.get("/flow/mine").get_data(as_text=True)
    at_desk = client2.get("/flow/mine?workstation=ws-02", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert extra.code in at_desk and "Workstation 2" in at_desk and all(v.code in at_desk for v in vols)
    shelf = client2.get("/flow/mine?workstation=KF-A-01", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "is not a workstation" in shelf and extra.code not in shelf


def test_the_item_page_links_to_the_sheet(login, client, in_app):
    login("operator")
    volume = in_app(lambda: (factories.site(), factories.item())[1])
    page = client.get(f"/i/{volume.code}").get_data(as_text=True)
    assert f"/flow/sheet/{volume.code}" in page


def test_the_sheet_shows_custody_events_between_the_steps(login, client, in_app):
    op = login("operator")

    def seed():
        factories.site()
        volume = factories.item()
        steps_with_events_between(volume, op, TEST_NOW - timedelta(hours=3))
        return volume

    volume = in_app(seed)
    page = client.get(f"/flow/sheet/{volume.code}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    table = page[page.index('id="sheet"'):]
    order = [table.index(words) for words in ("Out of storage", "Checked out", "取出扫描", "Preparation",
                                                "Damage recorded", "Catalogue data")]
    assert order == sorted(order), order
    zh = client.get(f"/flow/sheet/{volume.code}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    table = zh[zh.index('id="sheet"'):]
    order = [table.index(words) for words in ("档案出库", "取出扫描", "数字化前处理", "第5页撕裂", "目录数据库建立")]
    assert order == sorted(order), order
    sheet = client.get(f"/api/v1/items/{volume.code}/sheet").get_json()
    named = [sheet["steps"][line["step"]]["step"] if "step" in line else
             next(e["kind"] for e in sheet["events"] if e["id"] == line["event"]) for line in sheet["lines"]]
    assert named == ["out", "check_out", "prep", "damage", "catalogue"]
    assert [e["after_step"] for e in sheet["events"]] == [0, 1]
