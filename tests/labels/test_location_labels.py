"""Location and workstation labels (sheet and roll), and the preview of the whole sheet."""
import re
from io import BytesIO

from PIL import Image

from labels import sheets
from tests import factories

from .helpers import decode, pages, slot_image, text_of
from .test_pages import in_db


def test_a_workstation_and_a_shelf_print_on_a_sheet_and_scan_as_themselves(client, login, post, app):
    with in_db(app):
        factories.site()
    login("archivist")
    resp = post("/labels/print", {"kind": "location", "codes": "WS-01 KF-A-02", "layout": "a4-3x8",
                                  "action": "download"}, token_from="/labels/")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf", resp.get_data(as_text=True)[:500]
    page = pages(resp.data, 300)[0]
    sheet = sheets.get_sheet("a4-3x8")
    assert decode(slot_image(page, sheet, 0, 300)) == ["WS-01", "WS-01"]  # Code 128 and QR: the bare code
    assert decode(slot_image(page, sheet, 1, 300)) == ["KF-A-02", "KF-A-02"]
    text = text_of(resp.data)[0]
    assert "Workstation 1" in text and "Shelf A-02" in text


def test_a_room_and_everything_inside_it_on_a_roll_in_zpl(client, login, post, app):
    with in_db(app):
        factories.site()
    login("archivist")
    resp = post("/labels/print", {"kind": "location", "location": "JG", "layout": "roll-50x30", "format": "zpl",
                                  "action": "download"}, token_from="/labels/")
    assert resp.status_code == 200
    zpl = resp.get_data(as_text=True)
    assert zpl.count("^XA") == 3  # the workroom and its two workstations
    assert all(code in zpl for code in ("JG", "WS-01", "WS-02"))


def test_unknown_location_codes_are_named_in_chinese(client, login, post, app):
    with in_db(app):
        factories.site()
    login("archivist")
    post("/lang/zh_CN", {"next": "/labels/"})
    resp = post("/labels/print", {"kind": "location", "codes": "WS-01 WS-99", "action": "download"},
                token_from="/labels/")
    assert resp.status_code == 422 and "WS-99" in resp.get_data(as_text=True)
    assert "未知位置编码" in resp.get_data(as_text=True)


def test_the_preview_shows_every_label_in_its_slot(client, login, post, app):
    with in_db(app):
        factories.site()
    login("archivist")
    resp = post("/labels/print", {"kind": "location", "location": "SITE", "layout": "a4-3x8", "start": "4",
                                  "action": "preview"}, token_from="/labels/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and ("1 page" in html or "共 1 页" in html)
    url = re.search(r'<img src="([^"]+)"', html).group(1).replace("&amp;", "&")
    img = Image.open(BytesIO(client.get(url).data))
    sheet = sheets.get_sheet("a4-3x8")
    assert decode(slot_image(img, sheet, 0, 150)) == []  # slots before the start stay empty
    found = sorted(c for i in range(3, 11) for c in set(decode(slot_image(img, sheet, i, 150))))
    assert found == sorted(["SITE", "KF", "KF-A-01", "KF-A-02", "JG", "WS-01", "WS-02", "DOOR-1"])


def test_custody_labels_prints_location_labels(app, tmp_path):
    runner = app.test_cli_runner()
    with in_db(app):
        factories.site()
    out = tmp_path / "ws.zpl"
    result = runner.invoke(args=["labels", "--kind", "location", "--codes", "WS-01 WS-02", "--layout", "roll-50x30",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    zpl = out.read_text()
    assert zpl.count("^XA") == 2 and "WS-02" in zpl


def test_a_handover_batch_links_to_its_labels(client, login, post, app):
    from app.custody import handovers

    with in_db(app):
        factories.site()
        codes = [factories.item().code for _ in range(3)]
    keeper = login("archivist")
    with in_db(app):
        batch = handovers.make_batch(codes, title="第一批", user=keeper.id)
        number = batch.number
    page = client.get(f"/handovers/batches/{number}").get_data(as_text=True)
    link = re.search(r'href="(/labels/\?codes=[^"]+)"', page).group(1).replace("&amp;", "&")
    form = client.get(link).get_data(as_text=True)
    assert all(code in form for code in codes)


def test_the_badge_preview_is_a_page_of_cards(client, login, post, app):
    with in_db(app):
        factories.site()
        badges = [factories.person(f"员工{n}").badge_code for n in range(3)]
    login("security_officer")
    resp = post("/labels/badges", {"badges": " ".join(badges), "action": "preview"}, token_from="/labels/badges")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    url = re.search(r'<img src="([^"]+badges\.png[^"]+)"', html).group(1).replace("&amp;", "&")
    img = client.get(url)
    assert img.mimetype == "image/png"
    assert set(badges) <= set(decode(Image.open(BytesIO(img.data))))
