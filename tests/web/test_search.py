"""One search box: items by code, archive number with any separator, title; people by name or badge."""
import pytest

from tests import factories as f


@pytest.fixture
def stock(site):
    wanted = f.item(archive_no="J012-WS·2018-Y-0003", title="关于档案数字化的请示")
    other = f.item(archive_no="J012-WS·2019-Y-0001", title="会议纪要")
    liu = f.person("刘洋")
    return {"wanted": wanted, "other": other, "liu": liu}


@pytest.mark.parametrize("q", ["J012-WS.2018-Y-0003", "j012-ws 2018", "J012WS·2018", "J012-WS/2018-Y-0003"])
def test_an_archive_number_with_any_separator_finds_the_volume(client, login, stock, q):
    login("archivist")
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/i/{stock['wanted'].code}")


def test_the_items_page_takes_any_separator_too(client, login, stock):
    login("archivist")
    response = client.get("/items", query_string={"q": "J012-WS 2018"})
    assert response.status_code == 302 and stock["wanted"].code in response.headers["Location"]


def test_people_by_name_or_badge_and_items_by_title(client, login, stock):
    login("supervisor")
    page = client.get("/search", query_string={"q": "刘洋"}).get_data(as_text=True)
    assert stock["liu"].badge_code in page
    page = client.get("/search", query_string={"q": stock["liu"].badge_code.lower()}).get_data(as_text=True)
    assert "刘洋" in page
    page = client.get("/search", query_string={"q": "J012-WS"}).get_data(as_text=True)
    assert stock["wanted"].code in page and stock["other"].code in page
    response = client.get("/search", query_string={"q": "请示"})
    assert response.status_code == 302  # one item by its title


def test_an_operator_finds_items_but_no_people(client, login, stock):
    login("operator")
    page = client.get("/search", query_string={"q": "刘"}).get_data(as_text=True)
    assert "刘洋" not in page
    assert client.get("/search", query_string={"q": "J012-WS·2019"}).status_code == 302
