"""The scan page in Debian's Chromium on a 360×740 touch screen: the loop an operator runs all day."""
import re

import pytest
from playwright.sync_api import expect

from app.custody import groupcommit
from app.custody.models import Event, Item
from tests import factories as f
from tests.browser.conftest import off_origin

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _stop_writers():
    yield
    groupcommit.stop_all()  # the next test has its own database file


@pytest.fixture
def phone(_browser, live_server):
    """phone(locale=..., service_workers=...) → (context, page, recorded URLs) at 360×740 with touch."""
    contexts = []

    def _open(locale="zh-CN", service_workers="block"):
        ctx = _browser.new_context(base_url=live_server, locale=locale, viewport={"width": 360, "height": 740},
                                   has_touch=True, is_mobile=True, device_scale_factor=2,
                                   service_workers=service_workers)
        contexts.append(ctx)
        urls: list[str] = []
        ctx.on("request", lambda req: urls.append(req.url))
        page = ctx.new_page()
        page.set_default_timeout(10000)
        return ctx, page, urls

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def floor(database):
    """A site, an operator with a badge, a colleague, 20 volumes on shelf KF-A-01."""
    f.site()
    op = f.user("operator")
    colleague = f.person("李娜")
    vols = [f.item(archive_no=f"J012-WS·2019-Y-{n:04d}") for n in range(1, 21)]
    return {"op": op, "me": op.person, "colleague": colleague, "vols": vols}


def open_scan_page(phone, floor, live_server, **kwargs):
    ctx, page, urls = phone(**kwargs)
    page.goto("/login")
    page.fill("input[name=username]", floor["op"].username)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("main button[type=submit]")
    page.goto("/scan")
    ready(page)
    return ctx, page, urls


def ready(page):
    expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
    expect(page.locator("#scan-input")).to_be_focused()


def wedge(page, code, end="Enter"):
    """What a keyboard-wedge scanner does: types the code fast, then Enter (or Tab)."""
    page.keyboard.type(code, delay=2)
    page.keyboard.press(end)


def settled(page):
    expect(page.locator("#waiting")).to_be_hidden()
    expect(page.locator("#session-list li[data-status=waiting]")).to_have_count(0)


def events_of(codes):
    ids = {i.id: i.code for i in Item.select().where(Item.code.in_(codes))}
    return [(ids[e.item_id], e.kind) for e in Event.select().where(Event.item.in_(list(ids))).order_by(Event.id)]


def test_twenty_scans_at_scanner_speed_green_red_and_undo(phone, floor, live_server):
    ctx, page, urls = open_scan_page(phone, floor, live_server)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    wedge(page, "ws-01")  # the workstation's label sets where the volumes go
    expect(page.locator("#ctx-location-value")).to_contain_text("WS-01")
    expect(page.locator("#banner")).to_have_attribute("data-kind", "info")

    codes = [v.code for v in floor["vols"]]
    for n, code in enumerate(codes):  # no waiting between scans, mixed forms and terminators
        wedge(page, code.lower() if n % 3 else f"]C0{code}", end="Tab" if n % 4 == 1 else "Enter")
    settled(page)
    expect(page.locator("#session-list li[data-status=ok]")).to_have_count(20)
    expect(page.locator("#session-list li[data-status=info]")).to_have_count(1)  # the location label
    assert events_of(codes) == [(c, "check_out") for c in codes]  # all recorded, in scan order
    expect(page.locator("#banner")).to_have_attribute("data-kind", "ok")
    expect(page.locator("#banner-code")).to_have_text(codes[-1])
    expect(page.locator("#banner-archive")).to_have_text("J012-WS·2019-Y-0020")
    expect(page.locator("#banner-text")).to_contain_text("已借出给")

    expect(page.locator("#banner-head")).to_contain_text("已记录 ✓")
    wedge(page, codes[0])  # already out to me, here: neutral "already done", changes nothing
    expect(page.locator("#banner")).to_have_attribute("data-kind", "neutral")
    expect(page.locator("#banner-head")).to_have_text("无变化")
    expect(page.locator("#banner-code")).to_have_text(codes[0])
    expect(page.locator("#banner-archive")).to_have_text("J012-WS·2019-Y-0001")
    wedge(page, "V99999999")
    expect(page.locator("#banner-text")).to_contain_text("V99999999")
    expect(page.locator("#banner")).to_have_attribute("data-kind", "bad")
    expect(page.locator("#banner-head")).to_have_text("未记录 ✗")
    assert Event.select().count() == 20

    page.locator("#undo-button").tap()  # undo the last recorded scan (the 20th), not the refusals
    expect(page.locator("#session-list li[data-status=undone]")).to_have_count(1)
    expect(page.locator("#banner")).to_have_attribute("data-kind", "ok")
    last = Item.get(Item.code == codes[-1])
    assert (last.state, last.location.code, last.holder_id) == ("in_storage", "KF-A-01", None)
    assert [e.kind for e in Event.select().order_by(Event.id)][-1] == "undo"
    expect(page.locator("#scan-input")).to_be_focused()
    assert off_origin(urls, live_server) == []


def test_offline_queue_sends_everything_once_in_order(phone, floor, live_server):
    ctx, page, urls = open_scan_page(phone, floor, live_server)
    codes = [v.code for v in floor["vols"][:4]]
    wedge(page, "WS-02")
    expect(page.locator("#ctx-location-value")).to_contain_text("WS-02")

    page.route("**/api/v1/scans**", lambda route: route.abort("internetdisconnected"))
    for code in codes[:3]:
        wedge(page, code)
    expect(page.locator("#waiting")).to_have_text("3 条待发送")
    expect(page.locator("#conn")).to_have_attribute("data-online", "false")
    expect(page.locator("#banner")).to_have_attribute("data-kind", "wait")
    assert Event.select().count() == 0

    # back online, but the answer to the first send is lost: the server recorded it, the page never heard
    page.unroute("**/api/v1/scans**")
    lost = {"n": 0}

    def lose_first_answer(route):
        if lost["n"] == 0:
            lost["n"] += 1
            route.fetch()  # reaches the server
            route.abort("connectionreset")
        else:
            route.continue_()

    sent: list[str] = []
    page.on("request", lambda req: sent.append(req.url) if "/api/v1/scans" in req.url else None)
    page.route("**/api/v1/scans**", lose_first_answer)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wedge(page, codes[3])
    settled(page)
    assert lost["n"] == 1
    assert any(url.endswith("/api/v1/scans/batch") for url in sent)  # the backlog went in one request
    assert events_of(codes) == [(c, "check_out") for c in codes]  # each once, in the order scanned
    assert Event.select().where(Event.client_id.is_null(False)).count() == 4
    expect(page.locator("#conn")).to_have_attribute("data-online", "true")
    expect(page.locator("#session-list li[data-status=ok]")).to_have_count(4)
    assert off_origin(urls, live_server) == []


def test_language_switch_and_hand_over_by_badge(phone, floor, live_server):
    ctx, page, urls = open_scan_page(phone, floor, live_server)
    expect(page.locator("#undo-button")).to_have_text("撤销上一条")
    # a built-in scanner needs no on-screen keyboard; the ⌨ button brings it for typing
    expect(page.locator("#scan-input")).to_have_attribute("inputmode", "none")
    page.locator("#keyboard-button").tap()
    expect(page.locator("#scan-input")).to_have_attribute("inputmode", "text")
    expect(page.locator("#scan-input")).to_be_focused()
    page.locator("form.lang button").tap()
    expect(page.locator("#undo-button")).to_have_text("Undo last")
    ready(page)
    assert page.locator("html").get_attribute("lang") == "en"
    vol = floor["vols"][0].code
    wedge(page, "WS-01")
    wedge(page, vol)
    expect(page.locator("#banner-text")).to_contain_text("Checked out to")
    page.get_by_role("button", name="Hand to person").tap()
    expect(page.get_by_role("button", name="Hand to person")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#scan-input")).to_be_focused()
    wedge(page, floor["colleague"].badge_code.lower())
    expect(page.locator("#ctx-person-value")).to_have_text("李娜")
    wedge(page, vol)
    expect(page.locator("#banner-text")).to_have_text(re.compile("Handed to 李娜"))
    assert Item.get(Item.code == vol).holder_id == floor["colleague"].id
    page.get_by_role("button", name="Return to storage").tap()
    wedge(page, vol)  # not mine any more: refused, in English
    expect(page.locator("#banner")).to_have_attribute("data-kind", "bad")
    expect(page.locator("#banner-text")).to_contain_text("held by 李娜")
    assert off_origin(urls, live_server) == []


def test_page_installs_and_reloads_offline(phone, floor, live_server):
    ctx, page, urls = open_scan_page(phone, floor, live_server, service_workers="allow")
    manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert manifest["display"] == "standalone" and {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    ready(page)
    wedge(page, "WS-01")
    expect(page.locator("#ctx-location-value")).to_contain_text("WS-01")
    ctx.set_offline(True)
    page.reload()  # served by the service worker; the context survives on the device
    ready(page)
    expect(page.locator("#ctx-location-value")).to_contain_text("WS-01")
    wedge(page, floor["vols"][0].code)
    expect(page.locator("#waiting")).to_be_visible()
    assert Event.select().count() == 0
    ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    settled(page)
    assert Event.select().count() == 1
    assert off_origin(urls, live_server) == []


def test_camera_decoder_loads_only_when_the_camera_is_tapped(_browser, floor, live_server):
    """A fake camera (Chromium's test device): no decoder on page load; on tap, BarcodeDetector or ZXing."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    # a second Chromium with a fake camera, from the session's Playwright (only one may run per thread)
    browser = _browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
    try:
        ctx = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 360, "height": 740},
                                  has_touch=True, is_mobile=True, service_workers="block", permissions=["camera"])
        urls: list[str] = []
        ctx.on("request", lambda req: urls.append(req.url))
        page = ctx.new_page()
        page.set_default_timeout(10000)
        page.goto("/login")
        page.fill("input[name=username]", floor["op"].username)
        page.fill("input[name=password]", f.PASSWORD)
        page.click("main button[type=submit]")
        page.goto("/scan")
        page.wait_for_load_state("networkidle")
        assert not [u for u in urls if "camera.js" in u or "zxing" in u]
        page.locator("#camera-button").tap()
        expect(page.locator("#camera-box")).to_be_visible()
        expect(page.locator("#camera-button")).to_have_text("关闭摄像头")
        page.wait_for_function("() => document.getElementById('camera-video').readyState >= 2")
        has_detector = page.evaluate("'BarcodeDetector' in window")
        assert [u for u in urls if u.endswith("/static/scan/camera.js")]
        assert bool([u for u in urls if "vendor/zxing-library" in u]) == (not has_detector)
        page.locator("#camera-button").tap()
        expect(page.locator("#camera-box")).to_be_hidden()
        assert off_origin(urls, live_server) == []
    finally:
        browser.close()
