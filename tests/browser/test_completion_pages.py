"""Inspections on a phone, and the acceptance page at desktop size, in a real browser."""
import os
from pathlib import Path

import pytest

from app.custody.completion.codes import CHECKS
from tests import factories as f
from tests.browser.conftest import log_in, off_origin

pytestmark = pytest.mark.browser


def shots(tmp_path) -> Path:
    """Where screenshots go: CUSTODY_SCREENSHOT_DIR (docs/img when refreshing the docs), else the test's tmp dir."""
    return Path(os.environ.get("CUSTODY_SCREENSHOT_DIR") or tmp_path)


def test_a_site_inspection_recorded_on_a_phone(browse, database, live_server, tmp_path):
    f.site()
    officer = f.user("security_officer")
    page, recorded = browse(phone=True)
    log_in(page, officer.username)
    page.goto("/inspections")
    page.click("text=登记现场巡查")
    assert page.locator("h1").inner_text() == "现场巡查"
    for check in CHECKS:
        page.check(f"input[name=result-{check}][value={'finding' if check == 'port_seals' else 'ok'}]")
    page.fill("input[name=note-port_seals]", "WS-02 封条破损")
    page.click("button[type=submit].primary")
    # a finding without a follow-up is refused, and what was typed is still there
    assert "处理措施" in page.locator(".flash-error").inner_text()
    assert page.locator("input[name=note-port_seals]").input_value() == "WS-02 封条破损"
    page.fill("textarea[name=follow_up]", "已更换封条 000124")
    page.click("button[type=submit].primary")
    assert "现场巡查已登记" in page.locator(".flash-success").inner_text()
    assert "WS-02 封条破损" in page.locator("table").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(shots(tmp_path) / "inspection-phone.png"), full_page=False)
    assert off_origin(recorded.urls, live_server) == []


def test_the_acceptance_page_shows_red_items_with_what_is_missing(browse, database, live_server, tmp_path):
    f.site()
    auditor = f.user("auditor")
    vol = f.item()
    from app.custody import services

    who = f.person("王强")
    services.check_out(vol.code, to=f.loc("WS-01"), holder=who, actor=who)
    page, _ = browse(phone=False, locale="en")
    log_in(page, auditor.username)
    page.goto("/completion")
    page.click("form.lang button") if page.locator("html[lang=zh-CN]").count() else None
    text = page.locator("main").inner_text()
    assert "Not met" in text and vol.code in text and "Out of storage" in text and "· out" not in text
    page.screenshot(path=str(shots(tmp_path) / "acceptance-desktop.png"), full_page=True)
