"""Check a catalogue, see its first rows, import it with one tap (no second upload), at 360×740 in Chinese."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.custody.models import Item, Location
from tests import factories as f
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_check_only_then_import_now_then_print_and_history(browse, database, live_server):
    s = f.site()
    Location.create(site=s, code="KF-B-01", name="Shelf B-01", kind="shelf", parent=f.loc("KF"))
    archivist = f.user("archivist")
    page, _urls = browse(phone=True)
    log_in(page, archivist.username)
    page.goto("/import/items")
    page.set_input_files("input[type=file]", str(SAMPLES / "catalogue-zh.csv"))
    page.locator("input[name=dry_run]").check()
    page.locator("main form button[type=submit]").first.tap()
    expect(page.locator(".import-preview tbody tr")).to_have_count(10)
    assert Item.select().count() == 0
    page.get_by_role("button", name="立即导入此文件").tap()
    expect(page.locator(".import-summary h2")).to_contain_text("40")
    assert Item.select().count() == 40
    expect(page.get_by_role("link", name="为这 40 件物品打印标签")).to_be_visible()
    page.goto(f"/i/{Item.select().order_by(Item.id).first().code}")
    expect(page.locator("tr.history-origin")).to_contain_text("catalogue-zh.csv")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
