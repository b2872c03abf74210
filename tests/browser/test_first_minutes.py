"""An operator's first minutes at 360×740: login lands on Scan, the location chip and the placeholder are
whole, the dashboard's alert card does not lead to a 403; the auditor sees no scan buttons."""
import pytest
from playwright.sync_api import expect

from app.custody.models import Location
from tests import factories as f
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

PLACEHOLDER_FITS = """input => {
  const style = getComputedStyle(input, '::placeholder');
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = input.clientWidth - parseFloat(getComputedStyle(input).paddingLeft)
             - parseFloat(getComputedStyle(input).paddingRight);
  return ctx.measureText(input.placeholder).width <= room;
}"""


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_operator_lands_on_scan_with_whole_chip_and_placeholder(browse, database, live_server, locale):
    f.site()
    Location.update(name="扫描工位1" if locale == "zh-CN" else "Scanning workstation 1").where(
        Location.code == "WS-01").execute()
    op = f.user("operator")
    page, _urls = browse(phone=True, locale=locale)
    log_in(page, op.username)
    expect(page).to_have_url(f"{live_server}/scan")
    expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
    assert page.eval_on_selector("#scan-input", PLACEHOLDER_FITS), "the placeholder is cut"
    page.keyboard.type("WS-01")
    page.keyboard.press("Enter")
    value = page.locator("#ctx-location-value")
    expect(value).to_contain_text("WS-01")
    assert value.evaluate("e => e.scrollHeight <= e.clientHeight + 1 && e.scrollWidth <= e.clientWidth + 1"), \
        "the location chip is cut"
    page.goto("/")
    card = page.locator(".stat-alert")
    expect(card).to_be_visible()
    assert card.evaluate("e => e.tagName") != "A"  # no link to a page the operator may not open


def test_supervisor_still_lands_on_the_dashboard_and_its_alert_card_links(browse, database, live_server):
    f.site()
    boss = f.user("supervisor")
    page, _urls = browse(phone=True)
    log_in(page, boss.username)
    expect(page).to_have_url(f"{live_server}/")
    page.locator("a.stat-alert").tap()
    expect(page).to_have_url(f"{live_server}/alerts/")


def test_the_auditor_sees_no_scan_buttons(browse, database, live_server):
    f.site()
    auditor = f.user("auditor")
    page, _urls = browse(phone=True, locale="en-US")
    log_in(page, auditor.username)
    page.goto("/scan")
    expect(page.locator("h1")).to_have_text("Scan")
    expect(page.locator("[data-action]")).to_have_count(0)
    expect(page.locator("#scan-input")).to_have_count(0)
    expect(page.locator(".read-only-scan")).to_contain_text("search")
