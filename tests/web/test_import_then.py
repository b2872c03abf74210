"""After a clean check-only run: a row preview and "import this file now" without a second upload; the
imported volumes' history starts with where they came from; the result links to printing their labels."""
import io
import re

from app.custody.models import ImportJob, Item
from app.db import db
from tests.conftest import csrf_token
from tests.web.test_imports_page import SAMPLES, count, english, shelves, upload  # noqa: F401


def test_check_then_import_the_same_file_without_uploading_again(english, login, shelves, app):  # noqa: F811
    login("archivist")
    checked = english.get(upload(english, SAMPLES / "catalogue-zh.csv", dry_run=True).headers["Location"])
    page = checked.get_data(as_text=True)
    assert "40 rows checked: no errors" in page
    assert "The first 10 rows, as they will be imported" in page
    assert page.count("<tr>") >= 11  # a header and ten rows
    action = re.search(r'<form method="post" action="([^"]+/import)" class="import-now">', page).group(1)
    with app.app_context(), db.connection_context():
        assert count(Item) == 0
    done = english.post(action, data={"csrf_token": csrf_token(english, action.rsplit("/", 1)[0])})
    assert done.status_code == 302
    result = english.get(done.headers["Location"]).get_data(as_text=True)
    assert "Imported 40 items" in result
    assert "Print labels for these 40 items" in result
    with app.app_context(), db.connection_context():
        assert count(Item) == 40
        jobs = list(ImportJob.select().order_by(ImportJob.id))
        assert len(jobs) == 2 and jobs[0].sha256 == jobs[1].sha256  # the same bytes, checked then imported
        code = Item.select().order_by(Item.id).first().code
    # the same check cannot be imported twice: its file is gone
    again = english.post(action, data={"csrf_token": csrf_token(english, "/import/items")})
    assert again.status_code == 302 and again.headers["Location"].endswith("/import/items")
    history = english.get(f"/i/{code}").get_data(as_text=True)
    assert "Nothing recorded yet" not in history
    assert "Imported" in history and "catalogue-zh.csv" in history


def test_reimporting_a_catalogue_can_skip_what_is_registered(english, login, shelves, app, tmp_path):  # noqa: F811
    login("archivist")
    first = english.get(upload(english, SAMPLES / "catalogue-zh.csv").headers["Location"]).get_data(as_text=True)
    assert "Imported 40 items" in first
    refused = english.get(upload(english, SAMPLES / "catalogue-zh.csv").headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported" in refused and "Skip them" in refused  # the way through
    # the same catalogue with two new volumes at its end, re-imported with "skip"
    text = (SAMPLES / "catalogue-zh.csv").read_text(encoding="utf-8-sig").rstrip("\r\n").splitlines()
    header_at = next(i for i, line in enumerate(text) if "档号" in line)
    columns = text[header_at].split(",")
    def row(archive_no):
        return ",".join(archive_no if "档号" in c else ("新增案卷" if "题名" in c else "") for c in columns)
    grown = tmp_path / "catalogue-grown.csv"
    grown.write_text("\n".join(text + [row("J012-WS·2030-Y-0001"), row("J012-WS·2030-Y-0002")]) + "\n",
                     encoding="utf-8")
    url = "/import/items"
    data = {"csrf_token": csrf_token(english, url), "existing": "skip",
            "file": (io.BytesIO(grown.read_bytes()), grown.name)}
    done = english.post(url, data=data, content_type="multipart/form-data")
    page = english.get(done.headers["Location"]).get_data(as_text=True)
    assert "Imported 2 items" in page and "40 rows already registered were skipped." in page
    with app.app_context(), db.connection_context():
        assert count(Item) == 42
        assert Item.select().where(Item.archive_no == "J012-WS·2030-Y-0002").count() == 1
