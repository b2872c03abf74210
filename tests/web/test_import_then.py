"""After a clean check-only run: a row preview and "import this file now" without a second upload; the
imported volumes' history starts with where they came from; the result links to printing their labels."""
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
