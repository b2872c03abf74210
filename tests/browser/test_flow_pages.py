"""The scan page's step mode in Chromium: device label, the volume to start, the volume again to finish
with the count; the sheet page and the board render."""
from app.custody.flow.models import ProcessStep
from tests import factories as f
from tests.flow.helpers import scanner, staff, walk

from .conftest import log_in, off_origin


def test_scan_page_step_mode_in_three_scans(browse, database, live_server):
    f.site()
    operator = staff("operator")
    device = scanner("WS-01")
    volume = f.item()
    walk(volume.code, operator, device, upto="scan")
    page, recorded = browse(phone=True)
    log_in(page, operator.username)
    page.goto("/scan")
    page.click("button[data-action=step]")
    page.select_option("#step-select", "scan")
    page.fill("#scan-input", f"http://custody.local/i/{device.item.code}")
    page.press("#scan-input", "Enter")
    page.wait_for_function(f"() => document.getElementById('ctx-device-value').textContent === '{device.item.code}'")
    page.fill("#scan-input", volume.code)
    page.press("#scan-input", "Enter")
    page.wait_for_function("() => document.getElementById('banner').dataset.kind === 'ok'")
    assert "档案扫描" in page.locator("#banner-text").inner_text()
    page.once("dialog", lambda dialog: dialog.accept("98"))
    page.fill("#scan-input", volume.code)
    page.press("#scan-input", "Enter")
    page.wait_for_function("() => document.getElementById('banner-text').textContent.indexOf('98') >= 0")
    row = ProcessStep.get((ProcessStep.item == volume.id) & (ProcessStep.step == "scan"))
    assert (row.outcome, row.quantity, row.device_id, row.operator_id) == ("done", 98, device.item_id,
                                                                           operator.person_id)
    page.goto(f"/flow/sheet/{volume.code}")
    assert "98" in page.locator("#sheet").inner_text() and "⚠" in page.locator("#sheet").inner_text()
    assert off_origin(recorded.urls, live_server) == []


def test_board_draws_its_charts(browse, database, live_server):
    f.site()
    operator = staff("operator")
    boss = staff("supervisor")
    device = scanner("WS-01")
    walk(f.item().code, operator, device)
    page, recorded = browse()
    log_in(page, boss.username)
    page.goto("/flow/board")
    page.wait_for_selector("#output-charts .uplot")
    assert page.locator("#output-charts .uplot").count() == 2
    assert off_origin(recorded.urls, live_server) == []
