"""The receiver checks a handover on a phone: scan, see the difference, accept it, confirm; a desk view too."""
import pytest

from app.custody.handovers import confirm, open_handover, scan_line
from app.custody.models import Item
from tests import factories as f
from tests.browser.conftest import log_in, off_origin
from tests.handovers.helpers import staff

pytestmark = pytest.mark.browser


def test_receiver_checks_and_confirms_a_handover_on_a_phone(browse, database, live_server):
    f.site()
    archivist, receiver = staff("archivist", "archive"), staff("operator", "service")
    kept, missing = f.item(), f.item()
    h = open_handover("to_service", user=archivist)
    for item in (kept, missing):
        scan_line(h, item.code, actor=archivist.person, user=archivist)
    page, recorded = browse(phone=True)
    log_in(page, receiver.username)
    page.goto(f"/handovers/{h.number}")
    assert "以接收方身份清点" in page.locator("main").inner_text()
    page.fill("input[name=code]", kept.code.lower())
    page.press("input[name=code]", "Enter")
    assert kept.code in page.locator(".flash-success").inner_text()
    row = page.locator(f"#line-{missing.code}")
    assert "接收方未清点到" in row.inner_text()
    assert page.locator("#confirm-button").is_disabled()
    row.locator("input[name=note]").fill("库房未找到，留档案部门")
    row.locator("button[type=submit]").click()
    assert "已记录并接受" in page.locator(f"#line-{missing.code}").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    confirm(h, actor=archivist.person, user=archivist)  # the archivist confirms on their own device
    page.reload()
    page.click("#confirm-button")
    assert "保管已移交" in page.locator(".flash-success").inner_text()
    assert page.locator("#handover-status").inner_text() == "已确认"
    assert Item.get_by_id(kept.id).state == "out" and Item.get_by_id(missing.id).state == "in_storage"
    assert off_origin(recorded.urls, live_server) == []


def test_batch_page_at_desktop_size_shows_counts(browse, database, live_server):
    from app.custody.handovers import make_batch

    f.site()
    archivist = staff("archivist", "archive")
    items = [f.item(at="KF-A-02"), f.item(at="KF-A-01")]
    batch = make_batch([i.code for i in items], user=archivist)
    page, recorded = browse(phone=False, locale="en")
    log_in(page, archivist.username)
    page.goto(f"/handovers/batches/{batch.number}")
    assert page.locator("[data-stage=in_storage] .n").inner_text() == "2"
    shelves = page.locator("main table tbody tr td:first-child").all_inner_texts()
    assert shelves == ["KF-A-01", "KF-A-02"]
    assert off_origin(recorded.urls, live_server) == []


def test_scan_page_handover_mode_on_a_phone(browse, database, live_server):
    """Both sides scan with the handheld scan page: the list's QR code sets the list, then each volume."""
    from app.custody.handovers import lines_with_differences

    f.site()
    archivist, receiver = staff("archivist", "archive"), staff("operator", "service")
    a, b = f.item(), f.item()
    h = open_handover("to_service", user=archivist)
    for who in (archivist, receiver):
        page, recorded = browse(phone=True)
        log_in(page, who.username)
        page.goto("/scan")
        page.click("button[data-action=handover]")
        page.fill("#scan-input", a.code)
        page.press("#scan-input", "Enter")
        assert "请先扫描交接单上的二维码" in page.locator("#banner-text").inner_text()
        page.fill("#scan-input", f"{live_server}/handovers/{h.number}")  # what the list's QR code holds
        page.press("#scan-input", "Enter")
        assert h.number in page.locator("#ctx-handover-value").inner_text()
        for item in (a, b):
            page.fill("#scan-input", item.code.lower())
            page.press("#scan-input", "Enter")
            page.wait_for_function(f"() => document.getElementById('banner-code').textContent === '{item.code}'")
            page.wait_for_function("() => document.getElementById('banner').dataset.kind === 'ok'")
            assert "100 页，完好" in page.locator("#banner-text").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert off_origin(recorded.urls, live_server) == []
    found = {line.item.code: diffs for line, diffs, _o in lines_with_differences(h.number)}
    assert found == {a.code: [], b.code: []}
    page.fill("#scan-input", "V99999999")
    page.press("#scan-input", "Enter")
    page.wait_for_function("() => document.getElementById('banner').dataset.kind === 'bad'")
    assert "V99999999" in page.locator("#banner-text").inner_text()


def test_scan_page_registers_damage_and_a_secrecy_mark(browse, database, live_server):
    from app.custody.handovers.models import DamageRecord, QuarantineRecord

    f.site()
    operator = staff("operator", "service")
    damaged, marked = f.item(), f.item()
    page, recorded = browse(phone=True)
    log_in(page, operator.username)
    page.goto("/scan")
    page.click("button[data-action=damage]")
    page.once("dialog", lambda dialog: dialog.accept("书脊开裂，第3页破损"))
    page.fill("#scan-input", damaged.code)
    page.press("#scan-input", "Enter")
    page.wait_for_function("() => document.getElementById('banner').dataset.kind === 'ok'")
    assert "破损已登记" in page.locator("#banner-text").inner_text()
    page.click("button[data-action=secrecy]")
    page.fill("#scan-input", marked.code)
    page.press("#scan-input", "Enter")
    page.wait_for_function(f"() => document.getElementById('banner-code').textContent === '{marked.code}'")
    page.wait_for_function("() => document.getElementById('banner').dataset.kind === 'ok'")
    assert "已隔离" in page.locator("#banner-text").inner_text()
    record = DamageRecord.get()
    assert (record.item_id, record.source, record.description) == (damaged.id, "scan", "书脊开裂，第3页破损")
    assert QuarantineRecord.get().item_id == marked.id and Item.get_by_id(marked.id).state == "quarantined"
    assert off_origin(recorded.urls, live_server) == []
