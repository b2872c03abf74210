"""The scan page's step mode in Chromium: device label, the volume to start, the volume again to finish
with the count; the sheet page and the board render."""
import re

import pytest
from playwright.sync_api import expect

from app.custody.flow import assignments
from app.custody.flow.models import ProcessStep
from tests import factories as f
from tests.flow.helpers import scanner, staff, walk

from .conftest import SHOTS, log_in, off_origin


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


@pytest.mark.parametrize("locale, first, second", [("zh-CN", "档案出库", "档案扫描"), ("en-US", "Out of storage", "Scanning")])
def test_scan_page_lists_my_tasks_and_my_workstations_on_a_phone(browse, database, live_server, locale, first,
                                                                  second):
    f.site()
    operator = staff("operator")
    mine, at_desk, others = f.item(), f.item(), f.item()
    assignments.assign([mine], "out", person=operator.person)
    assignments.assign([at_desk], "scan", workstation=f.loc("WS-02"))
    assignments.assign([others], "out", person=staff("operator").person)
    page, recorded = browse(phone=True, locale=locale)
    log_in(page, operator.username)
    page.goto("/scan")
    page.wait_for_selector("#scanner[data-ready=true]")
    page.click("button[data-action=step]")
    tasks = page.locator("#my-tasks")
    expect(tasks).to_be_visible()
    expect(page.locator("#my-tasks-count")).to_have_text("1")
    tasks.locator("summary").click()
    expect(page.locator("#my-tasks-list li")).to_have_text([re.compile(f"{mine.code} .*{first}")])
    # at workstation 2: its label, scanned in step mode, sets the location chip, and what is assigned to the
    # workstation shows too
    page.fill("#scan-input", "WS-02")
    page.press("#scan-input", "Enter")
    expect(page.locator("#ctx-location-value")).to_contain_text("WS-02")
    expect(page.locator("#my-tasks-count")).to_have_text("2")
    expect(page.locator("#my-tasks-list li")).to_have_text([re.compile(f"{mine.code} .*{first}"),
                                                            re.compile(f"{at_desk.code} .*{second} · Workstation 2")])
    assert others.code not in page.locator("#my-tasks").inner_text()
    # the assigned step done (start, then finish): it leaves the list
    page.select_option("#step-select", "out")
    for _ in range(2):
        page.fill("#scan-input", mine.code)
        page.press("#scan-input", "Enter")
        expect(page.locator("#session-list li[data-status=waiting]")).to_have_count(0)
    expect(page.locator("#my-tasks-count")).to_have_text("1")
    expect(page.locator("#my-tasks-list li")).to_have_text([re.compile(at_desk.code)])
    page.screenshot(path=str(SHOTS / f"scan-my-tasks-{locale}.png"), full_page=True)
    assert off_origin(recorded.urls, live_server) == []
