"""A live app on a free port (werkzeug in a thread, real SQLite/PostgreSQL) and Debian's Chromium
driven by Playwright. Every request the browser makes is recorded so tests can prove none left
the origin."""
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

# screenshots: into CUSTODY_SCREENSHOT_DIR when refreshing the docs (CUSTODY_SCREENSHOT_DIR=docs/img), else a
# temporary folder — a test run never rewrites files of the checkout
SHOTS = Path(os.environ.get("CUSTODY_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="custody-shots-"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:  # every test that drives Chromium is a `browser` test, marked or not
        if here in Path(item.fspath).parents or {"_browser", "browse"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"Chromium is required in CI and is missing at {CHROMIUM}")
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@contextmanager
def serve(app):
    """The app served on 127.0.0.1:<free port> (werkzeug in a thread); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def live_server(app):
    """The app served on 127.0.0.1:<free port>; yields its base URL."""
    with serve(app) as url:
        yield url


FONTS = Path(__file__).resolve().parents[2] / "labels" / "fonts_data"


def _fontconfig(tmp: Path) -> dict:
    """The environment for Chromium: the system fonts plus the vendored CJK font (a test machine may have no
    Chinese font; a phone has one), so pages and screenshots show Chinese, not empty boxes."""
    conf = tmp / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{FONTS}</dir>
<cachedir>{tmp / "cache"}</cachedir></fontconfig>""")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


@pytest.fixture(scope="session")
def _browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    env = _fontconfig(tmp_path_factory.mktemp("fonts"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
        yield browser
        browser.close()


class Recorded:
    def __init__(self):
        self.urls: list[str] = []


@pytest.fixture
def browse(_browser, live_server):
    """browse(phone=True|False, locale='zh-CN') → (page, recorded requests)."""
    contexts = []

    def _open(phone=True, locale="zh-CN"):
        opts = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True,
                "device_scale_factor": 2} if phone else {"viewport": {"width": 1280, "height": 900}}
        ctx = _browser.new_context(base_url=live_server, locale=locale, **opts)
        contexts.append(ctx)
        recorded = Recorded()
        ctx.on("request", lambda req: recorded.urls.append(req.url))
        page = ctx.new_page()
        page.set_default_timeout(10000)
        return page, recorded

    yield _open
    for ctx in contexts:
        ctx.close()


def off_origin(urls, base):
    return [u for u in urls if not (u.startswith(base) or u.startswith("data:") or u.startswith("blob:"))]


def log_in(page, username, password=None):
    """Log in through the real login form (the factories' password unless another is given)."""
    from tests import factories

    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or factories.PASSWORD)
    page.click("main button[type=submit]")
