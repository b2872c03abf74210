"""Destructive admin actions ask for confirmation on a phone (no inline JavaScript): cancel leaves things
as they were, confirm does it."""
import pytest
from playwright.sync_api import expect

from app.custody import readers
from app.custody.models import User
from tests import factories as f
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale, title, button", [("zh-CN", "停用账号", "停用账号"),
                                                   ("en-US", "Disable the account", "Disable the account")])
def test_disabling_an_account_asks_first(browse, database, live_server, locale, title, button):
    f.site()
    admin = f.user("administrator")
    other = f.user("operator", username="liwei")
    page, _urls = browse(phone=True, locale=locale)
    log_in(page, admin.username)
    page.goto(f"/admin/users/{other.id}")
    page.locator(f"form[action$='/{other.id}/disable'] button[type=submit]").tap()
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator("h1")).to_contain_text("liwei")
    page.locator(".confirm-step a.button").tap()  # cancel
    assert User.get_by_id(other.id).is_active
    page.locator(f"form[action$='/{other.id}/disable'] button[type=submit]").tap()
    page.get_by_role("button", name=button).tap()
    expect(page.locator(".flash-success")).to_be_visible()
    assert not User.get_by_id(other.id).is_active
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_new_reader_token_asks_first(browse, database, live_server):
    f.site()
    reader, old = readers.register_reader("door-1", location=f.loc("DOOR-1"), mode="perimeter_door",
                                        protocol="rdm6300")
    admin = f.user("administrator")
    page, _urls = browse(phone=True)
    log_in(page, admin.username)
    page.goto("/admin/readers")
    page.locator(f"form[action$='/{reader.id}/rotate'] button").tap()
    expect(page.locator("h1")).to_contain_text("生成新令牌")
    assert readers.reader_for_token(old) is not None  # nothing changed yet
    page.get_by_role("button", name="生成新令牌").tap()
    expect(page.locator("#reader-token")).to_be_visible()
    assert readers.reader_for_token(old) is None
