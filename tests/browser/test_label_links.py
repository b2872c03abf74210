"""Every item and location links to printing its labels; the preview shows the whole sheet on the page."""

import pytest
from playwright.sync_api import expect

from app.custody.models import Site
from tests import factories as f
from tests.browser.conftest import SHOTS, log_in, off_origin

pytestmark = pytest.mark.browser
IMG = SHOTS  # docs/img when CUSTODY_SCREENSHOT_DIR says so


def image_loaded(page, selector):
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_workstation_label_from_the_locations_page_with_a_sheet_preview(browse, database, live_server, locale):
    f.site()
    archivist = f.user("archivist")
    page, recorded = browse(phone=True, locale=locale)
    log_in(page, archivist.username)
    page.goto("/locations")
    page.locator("li:has(> span code:text-is('WS-01')) >> a.print-link").first.tap()
    expect(page.locator("select[name=kind]")).to_have_value("location")
    expect(page.locator("textarea[name=codes]")).to_have_value("WS-01")
    page.locator("button[value=preview]").tap()
    expect(page.locator("h1")).to_have_text("标签预览" if locale == "zh-CN" else "Label preview")
    expect(page.locator(".sheet-preview img").first).to_have_js_property("complete", True)
    assert image_loaded(page, ".sheet-preview img")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if locale == "zh-CN":
        IMG.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMG / "labels-preview-phone.png"))
    with page.expect_download() as info:
        page.locator("button[value=download]").tap()
    assert open(info.value.path(), "rb").read().startswith(b"%PDF")
    assert off_origin(recorded.urls, live_server) == []


def test_an_item_page_links_to_its_label_and_the_preview_fills_a_desktop(browse, database, live_server):
    f.site()
    Site.update(base_url="https://dag.example.cn").execute()
    vols = [f.item() for _ in range(5)]
    archivist = f.user("archivist")
    page, recorded = browse(phone=False)
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, archivist.username)
    page.goto(f"/i/{vols[0].code}")
    page.get_by_role("link", name="打印标签").first.click()
    expect(page.locator("textarea[name=codes]")).to_have_value(vols[0].code)
    page.fill("textarea[name=codes]", f"{vols[0].code}-{vols[-1].code}")
    page.fill("input[name=start]", "3")
    page.locator("button[value=preview]").click()
    expect(page.locator(".preview-summary")).to_contain_text("5")
    expect(page.locator(".sheet-preview img").first).to_have_js_property("complete", True)
    assert image_loaded(page, ".sheet-preview img")
    page.screenshot(path=str(IMG / "labels-preview-desktop.png"))
