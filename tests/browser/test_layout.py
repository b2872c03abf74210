"""Layout at desktop 1366×768 and phone 360×740: navigation grouped by task with the current page marked,
tables that use the width with dates, codes and badges on one line, checkboxes beside their labels with
a proper target, an alert's own resolve button with its own note, and an empty chart that says so."""

import pytest
from playwright.sync_api import expect

from app.custody import alerts, services
from app.custody.models import Alert
from tests import factories as f
from tests.browser.conftest import SHOTS, log_in

IMG = SHOTS  # docs/img when CUSTODY_SCREENSHOT_DIR says so
pytestmark = pytest.mark.browser
# the text of the element lies on one line (every fragment of it has the same top)
ONE_LINE = """e => { const r = document.createRange(); r.selectNodeContents(e);
  const tops = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => Math.round(x.top)));
  return tops.size === 1; }"""


def desktop(browse, locale="zh-CN"):
    page, urls = browse(phone=False, locale=locale)
    page.set_viewport_size({"width": 1366, "height": 768})
    return page


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_auditors_navigation_is_one_row_grouped_with_the_current_page_marked(browse, database, live_server,
                                                                                  locale):
    f.site()
    auditor = f.user("auditor")
    page = desktop(browse, locale)
    log_in(page, auditor.username)
    page.goto("/audit/events")
    topbar = page.locator(".topbar").bounding_box()
    assert topbar["height"] < 64, topbar  # one row, not three
    current = page.locator("nav a[aria-current=page]")
    expect(current).to_have_count(1)
    assert current.get_attribute("href") == "/audit/events"
    expect(page.locator(".nav-group.is-current .nav-group-label")).to_have_text("审计" if locale == "zh-CN" else "Audit")
    for label in page.locator("nav .nav-group-label, .nav-group-work a").all():
        assert label.evaluate(ONE_LINE), label.inner_text()
    # a group's menu opens on hover, its links whole
    page.hover(".nav-group-admin")
    link = page.locator(".nav-group-admin .nav-menu a").first
    expect(link).to_be_visible()
    assert link.evaluate(ONE_LINE)
    if locale == "zh-CN":
        page.screenshot(path=str(IMG / "layout-desktop-nav.png"))


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_navigation_group_opens_and_closes_from_the_keyboard(browse, database, live_server, locale):
    f.site()
    auditor = f.user("auditor")
    page = desktop(browse, locale)
    log_in(page, auditor.username)
    page.goto("/audit/events")
    name = page.locator(".nav-group-admin .nav-group-label")
    links = page.locator(".nav-group-admin .nav-menu a")
    page.mouse.move(0, 700)  # no hover over the bar
    name.focus()
    expect(name).to_have_attribute("aria-expanded", "false")
    expect(links.first).to_be_hidden()  # a closed group's links are no Tab stops
    page.keyboard.press("Enter")
    expect(name).to_have_attribute("aria-expanded", "true")
    expect(links.first).to_be_visible()
    page.keyboard.press("Tab")  # on into its first link; the menu stays open
    expect(links.first).to_be_focused()
    expect(links.first).to_be_visible()
    page.screenshot(path=str(IMG / f"layout-desktop-nav-keyboard-{locale}.png"))
    page.keyboard.press("Escape")  # closed, the focus back on the group's name
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-expanded", "false")
    expect(links.first).to_be_hidden()
    page.keyboard.press("Space")
    expect(name).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Shift+Tab")  # the focus leaves the group: it closes
    expect(name).to_have_attribute("aria-expanded", "false")
    expect(links.first).to_be_hidden()
    # on a phone the groups are headings in the ☰ menu, always open: no state to announce
    page.set_viewport_size({"width": 360, "height": 740})
    expect(name).not_to_have_attribute("aria-expanded", "false")
    page.locator(".nav-button").click()
    expect(links.first).to_be_visible()


def test_desktop_tables_use_the_width_and_keep_dates_codes_and_badges_on_one_line(browse, database, live_server):
    f.site()
    for n in range(8):
        vol = f.item(archive_no=f"湘档J012-WS·2018-Y-{n:04d}-长期-卷内目录补充", title="关于数字化加工项目的会议纪要及附件" * 2)
        if n % 2:
            services.check_out(vol.code, to=f.loc("WS-01"), holder=f.person("王强"), actor=None)
    alerts.open_alert("reader_offline", severity="critical", message="shelf reader R2 silent")
    boss = f.user("supervisor")
    page = desktop(browse)
    log_in(page, boss.username)
    page.goto("/items")
    assert page.locator("main.page").bounding_box()["width"] > 1250  # not a fixed ~1,060 px column
    for cell in page.locator("table .badge, table time, table td .code, table td a[href^='/i/']").all():
        assert cell.evaluate(ONE_LINE), cell.inner_text()
    page.screenshot(path=str(IMG / "layout-desktop-items.png"))
    page.goto("/alerts/")
    for cell in page.locator("table .badge").all():
        assert cell.evaluate(ONE_LINE), cell.inner_text()


def test_checkboxes_sit_beside_their_labels_with_a_proper_target(browse, database, live_server):
    f.site()
    admin = f.user("administrator")
    page, _urls = browse(phone=True)
    log_in(page, admin.username)
    page.goto("/admin/users")
    boxes = page.locator("fieldset.checks input[type=checkbox]")
    assert boxes.count() >= 3
    for box in boxes.all():
        b = box.bounding_box()
        assert b["width"] >= 20 and b["height"] >= 20, b
        row = box.evaluate("e => e.closest('li').getBoundingClientRect().height")
        assert row >= 44
    importer = f.user("archivist")
    page2, _urls = browse(phone=True)
    log_in(page2, importer.username)
    page2.goto("/import/items")
    box = page2.locator("input[name=dry_run]").bounding_box()
    label = page2.locator("label.check").first.bounding_box()
    assert box["width"] < 40 and box["width"] >= 20  # not a 44-px input on its own row
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 6  # beside its text
    assert label["height"] >= 40


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_an_alerts_own_resolve_button_works_on_a_phone_and_the_empty_chart_says_so(browse, database, live_server,
                                                                                    locale):
    f.site()
    alerts.open_alert("reader_offline", severity="critical", message="shelf reader R2 silent")
    alerts.open_alert("reader_offline", severity="warning", message="shelf reader R3 silent")
    boss = f.user("supervisor")
    page, _urls = browse(phone=True, locale=locale)
    log_in(page, boss.username)
    page.goto("/alerts/")
    expect(page.locator("#chart-nights .chart-empty")).to_have_text("暂无数据。" if locale == "zh-CN" else "No data yet.")
    first = page.locator("tr.alert-row").first
    alert_id = int(first.get_attribute("data-id"))
    first.locator("input[name^=note-]").fill("读写器已重启")
    first.locator("button[value^=resolve]").tap()
    expect(page.locator(".flash-success")).to_be_visible()
    resolved = Alert.get_by_id(alert_id)
    assert resolved.status == "resolved" and resolved.resolution == "读写器已重启"
    assert Alert.select().where(Alert.status != "resolved").count() == 1
