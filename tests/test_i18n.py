"""Two languages for every user-visible string, and the switch a user sees."""
import importlib.util
from pathlib import Path

from tests import factories
from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
i18n_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(i18n_tool)


def test_every_string_in_the_source_has_a_chinese_translation():
    missing = i18n_tool.missing()
    assert not missing, "untranslated:\n" + "\n".join(f"{w}: {m!r}" for m, w in sorted(missing.items()))


def test_compiled_catalogs_match_their_sources():
    assert i18n_tool.catalogs(), "no catalogs found"
    assert not i18n_tool.stale_mo()


def test_pages_are_chinese_by_default_and_the_english_switch_sticks(client, login, post):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "登录" in page
    user = login("archivist")
    assert "概览" in client.get("/").get_data(as_text=True)
    response = post("/lang/en", {"next": "/items"})
    assert response.headers["Location"].endswith("/items")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Dashboard" in page and "概览" not in page
    # the choice is kept on the account for the next login
    post("/logout")
    client.get("/login")
    with client.session_transaction() as s:
        s.pop("lang", None)
    token = csrf_token(client)
    client.post("/login", data={"username": user.username, "password": factories.PASSWORD, "csrf_token": token})
    assert "Dashboard" in client.get("/").get_data(as_text=True)


def test_errors_are_shown_in_the_users_language(client, login, post, app):
    login("archivist")
    page = client.get("/i/NOPE123").get_data(as_text=True)
    assert "未知编号：NOPE123" in page
    post("/lang/en", {"next": "/"})
    assert "Unknown code: NOPE123" in client.get("/i/NOPE123").get_data(as_text=True)
