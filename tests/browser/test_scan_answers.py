"""Scan answers that cannot mislead, at 360×740 in both languages: the banner is always about the newest
scan, a catch-up ends with a count, every headline says recorded / not recorded in words, look-up and a
double read are neutral, undo walks back several scans. Screenshots of each answer
go to CUSTODY_SCREENSHOT_DIR (docs/img when refreshing the docs)."""

import pytest
from playwright.sync_api import expect

from app.custody.models import Event, Item
from tests.browser import test_scan_page as scan_page
from tests.browser.conftest import SHOTS
from tests.browser.test_scan_page import open_scan_page, settled, wedge

phone, floor = scan_page.phone, scan_page.floor  # the scan page's fixtures: a handheld, a floor of volumes


pytestmark = pytest.mark.browser
IMG = SHOTS  # docs/img when CUSTODY_SCREENSHOT_DIR says so


def shot(page, name):
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / name), animations="disabled")


def offline(page):
    page.route("**/api/v1/scans**", lambda route: route.abort("internetdisconnected"))


def back_online(page):
    page.unroute("**/api/v1/scans**")
    page.evaluate("window.dispatchEvent(new Event('online'))")


def test_offline_the_banner_follows_the_newest_scan_and_the_catch_up_ends_with_a_count(phone, floor, live_server):
    ctx, page, urls = open_scan_page(phone, floor, live_server)
    a, b = (v.code for v in floor["vols"][:2])
    wedge(page, "WS-01")
    expect(page.locator("#ctx-location-value")).to_contain_text("WS-01")
    offline(page)
    wedge(page, a)
    expect(page.locator("#banner-code")).to_have_text(a)
    wedge(page, b)
    expect(page.locator("#banner-code")).to_have_text(b)  # not left on the first one
    expect(page.locator("#banner")).to_have_attribute("data-kind", "wait")
    expect(page.locator("#banner-head")).to_have_text("尚未记录")
    wedge(page, "V99999999")
    expect(page.locator("#banner-code")).to_have_text("V99999999")
    c = floor["vols"][2].code
    wedge(page, c)
    expect(page.locator("#banner-code")).to_have_text(c)
    expect(page.locator("#waiting")).to_have_text("4 条待发送")
    banner_box = page.locator("#banner").bounding_box()
    assert banner_box["y"] + 60 < 740, banner_box  # the answer is in view without scrolling, every mode shown
    shot(page, "scan-offline-waiting.png")

    back_online(page)
    settled(page)
    banner = page.locator("#banner")
    expect(banner).to_have_attribute("data-kind", "bad")  # red: one of them was refused
    expect(page.locator("#banner-head")).to_have_text("✗ 已发送 4 条：3 条已记录，1 条未记录")
    expect(page.locator("#banner-extra")).to_contain_text("V99999999")
    expect(page.locator("#banner-code")).to_have_text(c)  # still the newest scan
    assert page.locator("#scanner").get_attribute("data-signal") == "bad"  # the refusal sound, not the green one
    assert [Item.get(Item.code == x).state for x in (a, b, c)] == ["out"] * 3
    shot(page, "scan-catch-up-summary.png")


def test_every_headline_says_recorded_or_not_in_words_in_english(phone, floor, live_server):
    ctx, page, urls = open_scan_page(phone, floor, live_server, locale="en-US")
    vol = floor["vols"][0].code
    wedge(page, "WS-01")
    expect(page.locator("#banner-head")).to_have_text("Set · nothing recorded")
    wedge(page, vol)
    expect(page.locator("#banner")).to_have_attribute("data-kind", "ok")
    expect(page.locator("#banner-head")).to_have_text("Recorded ✓")
    assert page.locator("#scanner").get_attribute("data-signal") == "ok"
    shot(page, "scan-recorded.png")
    page.get_by_role("button", name="Return to storage").tap()
    wedge(page, "V99999999")
    expect(page.locator("#banner")).to_have_attribute("data-kind", "bad")
    expect(page.locator("#banner-head")).to_have_text("Not recorded ✗")
    assert page.locator("#scanner").get_attribute("data-signal") == "bad"
    shot(page, "scan-not-recorded.png")

    wedge(page, vol)  # returned to the shelf it came from
    expect(page.locator("#banner-head")).to_have_text("Recorded ✓")
    expect(page.locator("#banner-text")).to_contain_text("Shelf A-01")
    wedge(page, vol)  # the trigger pulled twice: neutral, not the alarm
    expect(page.locator("#banner")).to_have_attribute("data-kind", "neutral")
    expect(page.locator("#banner-head")).to_have_text("Nothing changed")
    expect(page.locator("#banner-text")).to_contain_text("Already done by you")
    assert page.locator("#scanner").get_attribute("data-signal") == "neutral"
    shot(page, "scan-already-done.png")
    assert [e.kind for e in Event.select().order_by(Event.id)] == ["check_out", "return"]


@pytest.mark.parametrize("locale, head", [("zh-CN", "查询 · 不记录任何变更"), ("en-US", "Look-up · nothing is recorded")])
def test_look_up_is_neutral_and_does_not_survive_a_reload(phone, floor, live_server, locale, head):
    ctx, page, urls = open_scan_page(phone, floor, live_server, locale=locale)
    vol = floor["vols"][0].code
    page.locator("[data-action=lookup]").tap()
    expect(page.locator("#banner")).to_have_attribute("data-kind", "neutral")
    wedge(page, vol)
    expect(page.locator("#banner-code")).to_have_text(vol)
    expect(page.locator("#banner")).to_have_attribute("data-kind", "neutral")
    expect(page.locator("#banner-head")).to_have_text(head)
    expect(page.locator("#banner-text")).to_contain_text("Shelf A-01")
    assert page.locator("#scanner").get_attribute("data-signal") == "neutral"
    if locale == "zh-CN":
        shot(page, "scan-look-up.png")
    page.reload()
    expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
    expect(page.locator("[data-action=lookup]")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-action=check_out]")).to_have_attribute("aria-pressed", "true")
    assert Event.select().count() == 0


def test_undo_walks_back_several_scans_and_an_undone_hand_over_names_the_holder(phone, floor, live_server):
    ctx, page, urls = open_scan_page(phone, floor, live_server)
    vol = floor["vols"][0].code
    wedge(page, "WS-01")
    wedge(page, vol)
    page.locator("[data-action=hand_to]").tap()
    wedge(page, floor["colleague"].badge_code)
    wedge(page, vol)
    settled(page)
    expect(page.locator("#banner-text")).to_contain_text("李娜")
    assert Item.get(Item.code == vol).holder_id == floor["colleague"].id

    page.locator("#undo-button").tap()
    expect(page.locator("#session-list li[data-status=undone]")).to_have_count(1)
    expect(page.locator("#banner-head")).to_have_text("已记录 ✓")
    expect(page.locator("#banner-text")).to_contain_text(f"重新由 {floor['me'].name} 保管")
    shot(page, "scan-undone-hand-over.png")
    page.locator("#undo-button").tap()  # and the check-out before it
    expect(page.locator("#session-list li[data-status=undone]")).to_have_count(2)
    expect(page.locator("#banner")).to_have_attribute("data-kind", "ok")
    back = Item.get(Item.code == vol)
    assert (back.state, back.location.code, back.holder_id) == ("in_storage", "KF-A-01", None)
    expect(page.locator("#undo-button")).to_be_disabled()  # nothing of mine left to undo
