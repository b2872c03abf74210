"""The media pages through the client: register, lend and take back with the borrower's confirmation,
count, exports read back (CSV, PDF text in both languages), the handover list in duplicate, the sheet import."""
import io
from datetime import timedelta

import pypdfium2

from app.custody import clock, media
from app.custody.media.models import MediaLoan, MediaRecord
from app.custody.models import Item
from app.db import db
from tests import factories
from tests.conftest import csrf_token


def _pdf_text(data: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(data)
    return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]


def _as(client, user):
    client._cookies.clear()  # a new browser session
    token = csrf_token(client, "/login")
    assert client.post("/login", data={"username": user.username, "password": factories.PASSWORD,
                                       "csrf_token": token}).status_code == 302


def test_register_lend_return_and_confirm_through_the_pages(app, client, database, people):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    _as(client, people["officer"])
    token = csrf_token(client, "/media/new")
    response = client.post("/media/new", data={
        "csrf_token": token, "category": "portable_disk", "serial_no": "WX-42", "make": "WD Passport",
        "capacity": "2 TB", "owner_org": "archive", "keeper": people["keeper"].badge_code, "cabinet": "KF-A-01",
        "checked_on": (clock.now().date() - timedelta(days=3)).isoformat(),
        "checked_by": people["keeper"].badge_code})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    code = response.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/media/i/{code}").get_data(as_text=True)
    assert "WX-42" in page and "Portable hard disk" in page and "Shelf A-01" in page

    _as(client, people["archivist"])
    token = csrf_token(client, f"/media/i/{code}")
    due = (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    lend = {"csrf_token": token, "borrower": people["borrower"].person.badge_code, "reason": "备份影像",
            "due_at": due, "approved_by": people["approver"].badge_code}
    assert client.post(f"/media/i/{code}/lend", data=lend).status_code == 302
    again = client.post(f"/media/i/{code}/lend", data=lend, follow_redirects=True).get_data(as_text=True)
    assert "cannot be lent again" in again
    loan = MediaLoan.get()
    assert client.post(f"/media/loans/{loan.id}/return", data={
        "csrf_token": token, "condition": "完好", "action": "wiped"}).status_code == 302
    wrong = client.post(f"/media/loans/{loan.id}/confirm", data={
        "csrf_token": token, "username": "borrower1", "password": "wrong"}, follow_redirects=True)
    assert "Invalid username or password" in wrong.get_data(as_text=True)
    assert MediaLoan.get_by_id(loan.id).borrower_confirmed_at is None
    ok = client.post(f"/media/loans/{loan.id}/confirm", data={
        "csrf_token": token, "username": "borrower1", "password": factories.PASSWORD}, follow_redirects=True)
    assert "Return confirmed" in ok.get_data(as_text=True)
    assert MediaLoan.get_by_id(loan.id).status == "closed"

    csv_text = client.get("/media/export/loans.csv").get_data(as_text=True)
    assert code in csv_text and "备份影像" in csv_text and "Wiped" in csv_text
    pdf = client.get("/media/export/register.pdf")
    assert pdf.mimetype == "application/pdf" and "WX-42" in "".join(_pdf_text(pdf.data))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "介质登记簿" in "".join(_pdf_text(client.get("/media/export/register.pdf").data))


def test_count_page_records_scans_and_refuses_to_close_unexplained(app, client, database, people, usb):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    stray = media.register(category="usb_drive", serial_no="U-STRAY", cabinet="KF-A-02")
    _as(client, people["archivist"])
    token = csrf_token(client, "/media/counts")
    response = client.post("/media/counts", data={"csrf_token": token, "cabinet": "KF-A-01"})
    assert response.status_code == 302
    url = response.headers["Location"]
    client.post(url + "/scan", data={"csrf_token": token, "code": stray.item.code})
    page = client.get(url).get_data(as_text=True)
    assert 'data-result="unexpected"' in page and 'data-result="missing"' in page
    for result, n in {"present": 0, "on_loan": 0, "missing": 1, "unexpected": 1}.items():
        assert f'data-tally="{result}">{n}<' in page, result
    refused = client.post(url + "/close", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "must be explained" in refused
    closed = client.post(url + "/close", data={"csrf_token": token, f"why-{usb.item.code}": "在库房B",
                                               f"why-{stray.item.code}": "放错柜"}, follow_redirects=True)
    assert "Count closed" in closed.get_data(as_text=True)


def test_disposal_list_and_handover_list_in_duplicate(app, client, database, people, usb):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    disk = media.register(category="internal_disk", serial_no="HD-1")
    _as(client, people["officer"])
    page = client.get("/media/reconciliation").get_data(as_text=True)
    assert "2 without an end state" in page
    token = csrf_token(client, "/media/reconciliation")
    response = client.post("/media/handover", data={"csrf_token": token, "codes": f"{usb.item.code}\n{disk.item.code}",
                                                     "receiver": people["approver"].badge_code},
                           follow_redirects=True)
    assert "Handed over on list MH" in response.get_data(as_text=True)
    page = client.get("/media/reconciliation").get_data(as_text=True)
    assert "Every medium and disk has an end state" in page
    number = page.split("/media/handover/")[1].split(".pdf")[0]
    texts = _pdf_text(client.get(f"/media/handover/{number}.pdf").data)
    assert len(texts) == 2 and "Copy 1 of 2" in texts[0] and "Copy 2 of 2" in texts[1]
    assert all(usb.item.code in t and disk.item.code in t for t in texts)
    disposals = client.get("/media/export/disposals.csv").get_data(as_text=True)
    assert "Open" not in disposals and "Handed over to the archive department" in disposals


def test_import_from_a_sheet_is_all_or_nothing(app, client, database, people):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    _as(client, people["officer"])
    token = csrf_token(client, "/media/new")
    bad = "介质登记表\n类型,品牌型号,序列号,容量,保管人,存放位置\nU盘,Kingston,K-1,32G,,KF-A-01\n光驱,X,K-2,,,KF-A-01\n"
    response = client.post("/media/import", data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "m.csv")},
                           follow_redirects=True)
    assert "Row 4" in response.get_data(as_text=True)
    assert MediaRecord.select().count() == 0
    good = bad.replace("光驱", "光盘")
    response = client.post("/media/import", data={"csrf_token": token,
                                                  "file": (io.BytesIO(good.encode("gb18030")), "m.csv")},
                           follow_redirects=True)
    assert "2 registered" in response.get_data(as_text=True)
    assert {Item.get_by_id(r.item_id).serial_no for r in MediaRecord.select()} == {"K-1", "K-2"}
    assert not db.is_closed()


def test_history_and_alert_board_name_the_media_kinds(app, client, database, people, usb):
    t0 = clock.now()
    pc = media.register(category="pc", serial_no="PC-H")
    row = media.request_unsealing(pc.item, port="USB-2", reason="备份", planned_start=t0,
                                     planned_end=t0 + timedelta(minutes=30))
    media.approve_unsealing(row, approver=people["approver"])
    media.start_unsealing(row, supervisor=people["keeper"])
    media.check_due(t0 + timedelta(hours=1))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    _as(client, people["officer"])
    history = client.get(f"/i/{pc.item.code}").get_data(as_text=True)
    assert "登记入册" in history and "端口启封" in history
    board = client.get("/alerts/?status=active").get_data(as_text=True)
    assert '<strong class="kind">端口启封超时未封存</strong>' in board


def test_import_from_an_xlsx_workbook_with_a_title_row(app, client, database, people):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某某档案馆数字化项目 存储介质登记表"])
    ws.append([])
    ws.append(["类型", "品牌型号", "序列号", "容量", "归属", "保管人", "存放位置", "所属设备", "核对日期"])
    ws.append(["计算机", "Lenovo", "PC-X1", None, "乙方", None, "WS-01", None, clock.now().date()])
    ws.append(["硬盘", "WD Blue", "WD-X1", "1 TB", "乙方", people["keeper"].badge_code, None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    _as(client, people["officer"])
    token = csrf_token(client, "/media/new")
    # the disk names the PC by its code: the PC is registered first, in the same sheet, as D00000001
    ws.cell(row=5, column=8, value="D00000001")
    buf = io.BytesIO()
    wb.save(buf)
    response = client.post("/media/import", data={"csrf_token": token, "file": (io.BytesIO(buf.getvalue()),
                                                                                "media.xlsx")}, follow_redirects=True)
    assert "2 registered" in response.get_data(as_text=True)
    disk = MediaRecord.get(MediaRecord.category == "internal_disk")
    assert disk.device.code == "D00000001" and disk.owner_org == "service" and disk.keeper_id == people["keeper"].id


def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(app, client, database, people):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    _as(client, people["officer"])
    token = csrf_token(client, "/media/new")
    for name, data in (("x.xlsx", b"PK\x03\x04 not really"), ("x.xlsx", b"plain text"), ("x.doc", b"x")):
        response = client.post("/media/import", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                               follow_redirects=True)
        assert response.status_code == 200, name
        assert "flash-error" in response.get_data(as_text=True)
    assert MediaRecord.select().count() == 0


def test_no_media_route_answers_bad_input_with_a_500(app, client, database, people, usb):
    from tests.web.test_permissions import routes

    junk = {"category": "nope", "serial_no": "x" * 500, "due_at": "tomorrow", "starts_at": "2026-13-45T99:99",
            "borrower": "NOBODY", "approved_by": "", "kind": "burnt", "action": "lost", "count_every_days": "many",
            "planned_start": "soon", "planned_end": "", "code": "]C0", "cabinet": "NOWHERE", "result": "?",
            "codes": "M99999999", "supervisor": "B0", "new_seal": "", "intact": "maybe", "checked_on": "yesterday"}
    for user in (people["officer"], people["archivist"]):
        _as(client, user)
        token = csrf_token(client, "/media/")
        for endpoint, method, url, _permission in routes(app):
            if not endpoint.startswith("media.") and not url.startswith("/api/v1/media"):
                continue
            url = url.replace("/X", f"/{usb.item.code}") if "/i/" in url or "/media/X" in url else url
            for data in ({}, junk):
                if url.startswith("/api/"):
                    response = client.open(url, method=method, json=data, headers={"X-CSRFToken": token})
                else:
                    response = client.open(url, method=method, data={**data, "csrf_token": token})
                assert response.status_code < 500, f"{method} {url} {data and 'junk'}"


def test_labels_of_registered_media_print_as_for_volumes_and_scan(app, client, database, people, usb):
    from labels import sheets
    from tests.labels.helpers import decode, pages, slot_image, text_of

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    _as(client, people["officer"])
    register = client.get("/media/").get_data(as_text=True)
    assert f"/labels/?codes={usb.item.code}&amp;kind=media" in register
    token = csrf_token(client, "/labels/")
    pdf = client.post("/labels/print", data={"csrf_token": token, "codes": usb.item.code, "kind": "media",
                                             "layout": "a4-3x8", "start": "1", "format": "pdf",
                                             "action": "download"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    image = pages(pdf.data, 200)[0]
    assert usb.item.code in decode(slot_image(image, sheets.get_sheet("a4-3x8"), 0, 200))
    assert "SN-USB-001" in text_of(pdf.data)[0] and "USB drive" in text_of(pdf.data)[0]
