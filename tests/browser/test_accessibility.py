"""WCAG 2.2 AA in the browser, on every page for every role (docs/accessibility.md).

axe-core (vendored from npm under tests/browser/vendor/axe-core, MPL-2.0) runs on every page of the app's URL
map — each GET route without arguments plus one instance of each route with arguments, from the demo site —
for each role, in Chinese at 360×740 and 1366×768, and once more in English at 1366×768: no violation of the
WCAG 2.0/2.1/2.2 A and AA rules. At 320 px wide no page scrolls sideways, in either language (reflow). Then the
keyboard alone works the login, the Scan page and the alert board, the focused element in view at every step.

Cheap by design: one demo site and one server for the module, one browser, one logged-in context per role and
language, one tab that walks the pages (about 100 s of CPU in all on the 2-core development machine).
"""
import re
import time
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from app.custody.completion import jobs as bundle_jobs
from app.custody.models import ROLES
from tests.browser.conftest import SHOTS, serve
from tests.clock import TEST_NOW
from tests.conftest import close_app_database, fresh_db_url, make_app

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE, DESKTOP, NARROW = {"width": 360, "height": 740}, {"width": 1366, "height": 768}, {"width": 320, "height": 740}
# not pages: files, feeds and downloads (a path ending in a file name), and these endpoints
NOT_PAGES = {"static", "completion.bundle_download", "handovers.damage_photo", "imports.status_items",
             "imports.status_people", "auth.login"}  # the login page is checked logged out
PAGES_OF_THE_API = {"api.openapi_page"}
DRAWN_LATER = {"/api/v1/docs": ".swagger-ui .opblock", "/alerts/": ".charts[data-ready]"}
LOGINS = {"operator": "operator", "archivist": "archivist", "supervisor": "supervisor",
          "security_officer": "security", "auditor": "auditor", "administrator": "admin"}
RUN_AXE = """async tags => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                 nodes: v.nodes.slice(0, 30).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""
WIDE = """() => { const w = document.documentElement.clientWidth; const out = [];
  if (document.documentElement.scrollWidth > w) {
    for (const e of document.querySelectorAll('body *')) {
      const r = e.getBoundingClientRect();
      if (r.right > w + 1 && r.width > 0 && getComputedStyle(e).position !== 'fixed' && !(e.parentElement && e.parentElement.closest(".table-wrap"))) {
        out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(r.right));
      }
    }
  }
  return {width: document.documentElement.scrollWidth, out: out.slice(0, 8)}; }"""


def _seed():
    """The demo site, the demo logins with the suite's password, and one of each thing a page with
    arguments shows."""
    from app.custody import accounts, alerts, demo, media
    from app.custody.handovers import make_batch, open_handover
    from app.custody.imports import jobs as import_jobs
    from app.custody.models import Item, Person, Printer, User
    from tests import factories as f

    demo.build_demo()
    for username in LOGINS.values():
        accounts.set_password(User.get(User.username == username), f.PASSWORD, by=None)
    admin = User.get(User.username == "admin")
    archivist = User.get(User.username == "archivist")
    keeper = Person.get(Person.badge_code == "B00000007")
    worker = Person.get(Person.badge_code == "B00000003")
    volumes = list(Item.select().where(Item.kind == "volume").order_by(Item.code))
    for n, vol in enumerate(volumes[1:4] + volumes[20:34]):  # a board longer than the screen
        alerts.open_alert("overnight", severity="critical" if n == 0 else "warning", item=vol, person=worker,
                          location=vol.location, night=TEST_NOW.date(), dedupe_key=f"a11y-{n}")
    alerts.open_alert("reader_offline", severity="warning", message="shelf reader R2 silent", dedupe_key="a11y-r")
    batch = make_batch([v.code for v in volumes[10:13]], user=archivist)
    handover = open_handover("to_service", user=archivist, batch=batch, location="WS-01")
    count = media.start_count("KF", keeper=keeper)
    printer = Printer.create(name="zebra-1", kind="zpl", host="127.0.0.1", port=9, stock="roll-50x30", dpi=203)
    items_job = import_jobs.create_job("items", "catalogue.xlsx", user=admin)
    people_job = import_jobs.create_job("people", "staff.xlsx", user=admin)
    bundle = "20260101-000000-a11ya11y"  # its status file is written below
    f._seq = iter(range(10_000, 10**9))  # the factories' codes must not collide with the demo's
    return {"admin.user": {"user_id": admin.id},
            "completion.bundle_job": {"job_id": bundle},
            "flow.sheet": {"code": volumes[1].code},
            "handovers.handover": {"number": handover.number},
            "handovers.batch": {"number": batch.number},
            "imports.job_items": {"job_id": items_job.id},
            "imports.job_people": {"job_id": people_job.id},
            "labels.edit_printer": {"printer_id": printer.id},
            "media.count": {"count_id": count.id},
            "media.item": {"code": "M00000001"},
            "custody.item": {"code": volumes[1].code},
            "custody.person": {"person_id": worker.id},
            "people.vetting": {"person_id": worker.id}}


def _pages(app, samples) -> dict[str, list[str]]:
    """Every HTML page of the URL map — routes without arguments, and one instance of each with arguments —
    as each role may open it (the permission its view requires)."""
    from flask import url_for

    from app.security import PERMISSION_ATTR, may

    pages, missing = {role: [] for role in ROLES}, []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or re.search(r"\.[^/]*$", rule.rule):
                continue
            if rule.rule.startswith("/api/") and rule.endpoint not in PAGES_OF_THE_API:
                continue
            if rule.arguments and rule.endpoint not in samples:
                missing.append(rule.rule)
                continue
            url = url_for(rule.endpoint, **samples.get(rule.endpoint, {}))
            needs = getattr(app.view_functions[rule.endpoint], PERMISSION_ATTR, "*")
            for role in ROLES:
                if needs == "*" or may([role], needs):
                    pages[role].append(url)
    assert not missing, f"pages with arguments and no sample in _seed(): {missing}"
    return {role: sorted(urls) for role, urls in pages.items()}


@pytest.fixture(scope="module")
def demo(_template_db, tmp_path_factory):
    """The demo site served once for the module: (base URL, each role's pages)."""
    from app.db import db

    folder = tmp_path_factory.mktemp("a11y")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CUSTODY_INSTANCE_PATH", str(folder / "instance"))
        app = make_app(fresh_db_url(_template_db, folder), folder)
        with time_machine.travel(TEST_NOW.replace(tzinfo=UTC), tick=True):
            with app.app_context():
                db.connect(reuse_if_open=True)
                samples = _seed()
                db.close()
        exports = Path(app.instance_path) / "exports"  # a bundle export under way, as its page shows it
        exports.mkdir(parents=True, exist_ok=True)
        job = samples["completion.bundle_job"]["job_id"]
        bundle_jobs._write(exports, job, state="running", done=3, total=40, user="admin",
                                 file=f"bundle-{job}.zip")
        pages = _pages(app, samples)
        with serve(app) as base:
            yield base, pages
        close_app_database()


@contextmanager
def _tab(browser, base, locale, username=None):
    """A tab of its own context (the CSP bypassed, for axe), logged in as username."""
    ctx = browser.new_context(base_url=base, locale=locale, viewport=PHONE, bypass_csp=True)
    ctx.add_init_script(path=str(AXE))  # sent once; Chromium adds it to every page this context opens
    page = ctx.new_page()
    page.set_default_timeout(15000)
    try:
        if username:
            from tests import factories as f

            page.goto("/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", f.PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(lambda url: "/login" not in url)
        yield page
    finally:
        ctx.close()


def _axe(page, label) -> list[str]:
    return [f"{label} {v['id']} ({v['impact']}): {v['help']} — {v['nodes']}" for v in page.evaluate(RUN_AXE, TAGS)]


def _check(page, url, locale, sizes) -> list[str]:
    """The page at each size: axe, and no sideways scrolling at 320 px; what is wrong, as lines."""
    response = page.goto(url)
    assert response is not None and "text/html" in (response.headers.get("content-type") or ""), url
    if url in DRAWN_LATER:  # what a script draws after the load is checked too
        page.wait_for_selector(DRAWN_LATER[url])
    problems = []
    for name, viewport in sizes:
        page.set_viewport_size(viewport)
        if viewport is NARROW:
            wide = page.evaluate(WIDE)
            if wide["width"] > 320:
                problems.append(f"{url} [320 px, {locale}] scrolls sideways: {wide['width']} px wide {wide['out']}")
        else:
            problems += _axe(page, f"{url} [{name}, {locale}]")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_each_roles_pages_in_chinese_at_phone_and_desktop_size(_browser, demo, role):
    """Every page the role may open: axe at 360 and 1366 px, no sideways scrolling at 320 px."""
    base, pages = demo
    started = time.monotonic()
    problems = []
    with _tab(_browser, base, "zh-CN", LOGINS[role]) as page:
        for url in pages[role]:
            problems += _check(page, url, "zh-CN", [("phone", PHONE), ("320", NARROW), ("desktop", DESKTOP)])
            page.set_viewport_size(PHONE)
    print(f"{role}: {len(pages[role])} pages in {time.monotonic() - started:.1f} s")
    assert len(pages[role]) >= 15, pages[role]  # the sweep found the role's pages
    assert problems == [], "\n".join(problems)


def test_every_page_in_english_at_desktop_size_and_at_320_px(_browser, demo):
    """Each page once in English, as the first role (the auditor last: it sees no buttons) that may open it."""
    base, pages = demo
    started = time.monotonic()
    order = [r for r in ROLES if r != "auditor"] + ["auditor"]
    todo, problems = sorted(set().union(*pages.values())), []
    for role in order:
        mine = [url for url in todo if url in pages[role]]
        todo = [url for url in todo if url not in mine]
        if mine:
            with _tab(_browser, base, "en", LOGINS[role]) as page:
                for url in mine:
                    problems += _check(page, url, "en", [("320", NARROW), ("desktop", DESKTOP)])
    print(f"English: {len(set().union(*pages.values()))} pages in {time.monotonic() - started:.1f} s")
    assert todo == []
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_login_and_error_pages(_browser, demo, locale):
    base, _pages = demo
    sizes = [("phone", PHONE), ("320", NARROW), ("desktop", DESKTOP)]
    with _tab(_browser, base, locale) as page:
        problems = _check(page, "/login", locale, sizes)
        page.goto("/no-such-page")
        problems += _axe(page, f"404 [{locale}]")
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------- the keyboard alone

# the element with the focus: on screen, not under a sticky bar (WCAG 2.4.11), with a focus ring (2.4.7)
FOCUS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {ok: false, why: 'the focus is nowhere'};
  const r = e.getBoundingClientRect();
  const what = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' + (e.getAttribute('aria-label') || e.textContent || e.value || '').trim().slice(0, 40) + '"';
  if (r.width === 0 && r.height === 0) return {ok: false, why: 'no box', what};
  if (r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth) return {ok: false, why: 'off screen', what};
  // five points of the element (the centre, and a quarter in from each corner): none may lie under a sticky bar
  const xs = [r.left + r.width / 4, r.left + r.width / 2, r.right - r.width / 4];
  const ys = [r.top + r.height / 4, r.top + r.height / 2, r.bottom - r.height / 4];
  for (const [x, y] of [[xs[1], ys[1]], [xs[0], ys[0]], [xs[2], ys[0]], [xs[0], ys[2]], [xs[2], ys[2]]]) {
    const top = document.elementFromPoint(Math.min(Math.max(x, 0), innerWidth - 1), Math.min(Math.max(y, 0), innerHeight - 1));
    const bar = top && top.closest('.topbar, [data-sticky-bottom]');
    if (bar && !bar.contains(e) && getComputedStyle(bar).position === 'sticky') return {ok: false, why: 'under ' + bar.className, what};
  }
  const s = getComputedStyle(e);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
  return {ok: ring || e.id === 'main' || e.id === 'swagger-ui', why: ring ? '' : 'no focus ring', what};
}"""


def _tab_through(page, steps, back=False) -> tuple[list[str], list[str]]:
    """Press Tab (Shift+Tab) steps times; what got the focus, and every step where it could not be seen."""
    seen, hidden = [], []
    for _ in range(steps):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        state = page.evaluate(FOCUS)
        seen.append(state.get("what", ""))
        if state["why"] == "the focus is nowhere":  # past the last stop (or the first): the browser's own controls
            continue
        if not state["ok"]:
            hidden.append(f"{state.get('what')}: {state['why']}")
    return seen, hidden


@pytest.mark.parametrize("viewport, locale", [(PHONE, "zh-CN"), (DESKTOP, "en")])
def test_login_by_keyboard_with_a_skip_link_and_the_focus_always_in_view(_browser, demo, viewport, locale):
    from tests import factories as f

    base, _pages = demo
    with _tab(_browser, base, locale) as page:
        page.set_viewport_size(viewport)
        page.goto("/login")
        assert page.evaluate("document.activeElement.name") == "username"  # the form takes the focus
        assert page.evaluate(FOCUS)["ok"]
        _seen, hidden = _tab_through(page, 3, back=True)  # back: the language switch, the brand, the skip link
        assert hidden == []
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        for _ in range(10):  # on to the user name field, the focus always in view
            page.keyboard.press("Tab")
            assert page.evaluate(FOCUS)["ok"], page.evaluate(FOCUS)
            if page.evaluate("document.activeElement.name") == "username":
                break
        page.keyboard.type("supervisor")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == "password"
        page.keyboard.type(f.PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        # on every page the skip link is the first stop and leads past the navigation
        page.goto("/")  # (not /#main, where the skip link above left the address)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('main')")
        assert page.evaluate(FOCUS)["ok"]
        # and on the way back the focus never hides under the top bar
        _seen, hidden = _tab_through(page, 15, back=True)
        assert hidden == []


def test_the_phone_menu_is_a_button_that_opens_with_enter(_browser, demo):
    base, _pages = demo
    with _tab(_browser, base, "en", "supervisor") as page:
        page.goto("/")
        menu = page.get_by_role("button", name=re.compile(r"^Menu"))
        assert menu.get_attribute("aria-expanded") == "false"
        assert not page.is_visible("#main-nav")
        page.keyboard.press("Tab")  # the skip link
        page.keyboard.press("Tab")  # the brand
        while not page.evaluate("document.activeElement.classList.contains('nav-button')"):
            page.keyboard.press("Tab")
        assert page.evaluate(FOCUS)["ok"]  # a visible ring on the dark bar
        page.keyboard.press("Enter")
        assert menu.get_attribute("aria-expanded") == "true"
        assert page.is_visible("#main-nav a[href='/items']")
        # the open alerts are heard with the link: the number, then what it counts
        alerts_link = page.get_by_role("link", name=re.compile(r"^Alerts \d+ open alerts$"))
        alerts_link.wait_for(timeout=20000)
        assert _axe(page, "/ [menu open, with the count]") == []  # the sweep runs with the menu folded
        page.keyboard.press("Escape")
        assert menu.get_attribute("aria-expanded") == "false"
        assert page.evaluate("document.activeElement.classList.contains('nav-button')")
        # folded, the menu button carries the count, in its name too
        expect(page.get_by_role("button", name=re.compile(r"^Menu \d+ open alerts$"))).to_have_count(1)
        # at desktop width there is no menu button to stop on
        page.set_viewport_size(DESKTOP)
        assert not menu.is_visible()
        stops, _hidden = _tab_through(page, 6)
        assert not any("Menu" in s for s in stops)


def test_scan_page_by_keyboard_keeps_the_focus_where_the_user_is(_browser, demo):
    base, _pages = demo
    with _tab(_browser, base, "zh-CN", "operator") as page:
        page.goto("/scan")
        page.wait_for_selector("#scanner[data-ready=true]")
        assert page.locator("h1").count() == 1
        assert page.evaluate("document.activeElement.id") == "scan-input"
        page.keyboard.type("WS-01")  # a location label sets the context
        page.keyboard.press("Enter")
        page.wait_for_selector("#ctx-location[data-empty=false]")
        # Shift+Tab back from the code field through the buttons: each is seen, none sends the focus away
        _seen, hidden = _tab_through(page, 1, back=True)
        assert hidden == []
        while not page.evaluate("document.activeElement.dataset.action === 'return'"):
            page.keyboard.press("Shift+Tab")
            assert page.evaluate(FOCUS)["ok"], page.evaluate(FOCUS)
        page.keyboard.press("Enter")
        assert page.get_attribute("[data-action=return]", "aria-pressed") == "true"
        assert page.evaluate("document.activeElement.dataset.action") == "return"  # still on the button
        page.keyboard.press("Space")
        assert page.evaluate("document.activeElement.dataset.action") == "return"
        # the clear button goes with what it clears: the focus goes to the emptied chip, not the code field
        while not page.evaluate("document.activeElement.dataset.clear === 'location'"):
            page.keyboard.press("Shift+Tab")
            assert page.evaluate(FOCUS)["ok"], page.evaluate(FOCUS)
        page.keyboard.press("Enter")
        assert page.get_attribute("#ctx-location", "data-empty") == "true"
        assert page.evaluate("document.activeElement.id") == "ctx-location"
        # two check-outs, then undo from the keyboard: the focus stays on Undo while there is more to undo
        page.click("[data-action=check_out]")
        page.focus("#scan-input")
        for code in ("WS-02", "V00000040", "V00000041"):
            page.keyboard.type(code)
            page.keyboard.press("Enter")
        page.wait_for_function("document.querySelectorAll('#session-list li[data-status=ok]').length >= 2")
        assert page.is_enabled("#undo-button")
        while not page.evaluate("document.activeElement.id === 'undo-button'"):
            page.keyboard.press("Tab")
            assert page.evaluate(FOCUS)["ok"], page.evaluate(FOCUS)
        page.keyboard.press("Enter")
        page.wait_for_selector("#session-list li[data-status=undone]")
        assert page.evaluate("document.activeElement.id") == "undo-button"
        page.keyboard.press("Enter")  # the last one: Undo turns off, and the focus goes to the code field
        page.wait_for_function("document.querySelectorAll('#session-list li[data-status=undone]').length >= 2")
        assert page.evaluate("document.activeElement.id") == "scan-input"


@pytest.mark.parametrize("viewport, locale", [(DESKTOP, "en"), (PHONE, "zh-CN")])
def test_alert_board_by_keyboard_every_stop_in_view_both_ways(_browser, demo, viewport, locale):
    base, _pages = demo
    with _tab(_browser, base, locale, "supervisor") as page:
        page.set_viewport_size(viewport)
        page.goto("/alerts/")
        page.wait_for_selector(".charts[data-ready]")
        rows = page.locator("tr.alert-row").count()
        assert rows >= 15
        stops = page.evaluate("document.querySelectorAll('main a, main button, main input, main select, main summary').length")
        seen, hidden = _tab_through(page, stops + 20)
        assert hidden == [], hidden
        back, hidden = _tab_through(page, stops + 20, back=True)
        assert hidden == [], hidden
        # the select-all box is a stop, on a phone too
        assert any("pick-all" in s for s in seen)
        # every row's controls name their row
        if locale == "en":
            boxes = page.get_by_role("checkbox", name=re.compile(r"^Select: \S.* V\d{8} #\d+$"))
            assert boxes.count() >= 15
            assert page.get_by_role("button", name=re.compile(r"^Resolve: \S.* V\d{8} #\d+$")).count() >= 15
            assert page.get_by_role("button", name=re.compile(r"^Acknowledge: \S.* #\d+$")).count() >= 15
            # one name for the sound toggle; its state is aria-pressed
            sound = page.get_by_role("button", name="Sound for critical alerts")
            assert sound.get_attribute("aria-pressed") == "false"
            sound.focus()
            page.keyboard.press("Enter")
            expect(page.get_by_role("button", name="Sound for critical alerts")).to_have_attribute("aria-pressed", "true")
            # the charts' figures as tables
            page.locator(".chart-data summary").first.click()
            expect(page.locator("#table-out table tbody tr").first).to_be_visible()
        page.screenshot(path=str(SHOTS / f"a11y-board-{locale}.png"))
