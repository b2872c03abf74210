"""The import upload pages: upload, progress by polling, errors by line, summary, refusals."""
import io
import time
from pathlib import Path

import pytest

from app.custody.imports import jobs as import_jobs
from app.custody.models import AuditLog, ImportJob, Item, Location, Person, Site
from app.db import db
from tests import factories
from tests.conftest import csrf_token

SAMPLES = Path(__file__).resolve().parents[1] / "samples"  # the shared samples, kept with the tests


@pytest.fixture
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def shelves(app):
    """The test site with all three shelves the samples name."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        s = factories.site()
        Location.create(site=s, code="KF-B-01", name="Shelf B-01", kind="shelf", parent=factories.loc("KF"))
    return s


@pytest.fixture
def no_shelves(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        s = Site.create(code="S9", name="Bare site")
        Location.create(site=s, code="KF", name="库房", kind="storage")


def upload(client, path, url="/import/items", name=None, dry_run=False):
    data = {"csrf_token": csrf_token(client, url),
            "file": (io.BytesIO(Path(path).read_bytes()), name or Path(path).name)}
    if dry_run:
        data["dry_run"] = "y"
    return client.post(url, data=data, content_type="multipart/form-data")


def wait_done(client, app, status_url, timeout=60):
    """Poll the status endpoint as the page does until the job has finished; every answer seen."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(status_url, headers={"Accept": "application/json"}).get_json()
        seen.append(answer)
        if answer["finished"]:
            for thread in import_jobs.THREADS:
                thread.join(timeout)
            return seen
        time.sleep(0.05)
    raise AssertionError(f"import job did not finish: {seen[-1]}")


def count(model):
    return model.select().count()


def test_archivist_uploads_sample_catalogue_and_sees_the_imported_items(english, login, shelves, app):
    login("archivist")
    page = english.get("/import/items")
    assert page.status_code == 200 and "档号" in page.get_data(as_text=True)

    response = upload(english, SAMPLES / "catalogue-zh.csv")
    assert response.status_code == 302
    job_page = english.get(response.headers["Location"]).get_data(as_text=True)

    assert "Imported 40 items (10 codes generated)." in job_page
    assert 'href="/i/V00000001"' in job_page and 'href="/i/V00000049"' in job_page
    with app.app_context(), db.connection_context():
        assert count(Item) == 40
        entry = AuditLog.get(AuditLog.action == "items.import")
        assert entry.username and '"count":40' in entry.detail


def test_large_upload_runs_in_background_and_status_reaches_done(english, login, shelves, app):
    app.config["IMPORT_INLINE_BYTES"] = 0  # everything counts as large
    login("archivist")

    response = upload(english, SAMPLES / "catalogue-zh.xlsx")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    first = english.get(job_url).get_data(as_text=True)
    assert "import-progress" in first or "Imported 40 items" in first
    status_url = job_url + "/status"

    seen = wait_done(english, app, status_url)

    final = seen[-1]
    assert (final["status"], final["done"], final["total"], final["imported"]) == ("done", 40, 40, 40)
    assert all(s["done"] <= (s["total"] or s["done"]) for s in seen)
    page = english.get(job_url).get_data(as_text=True)
    assert "Imported 40 items" in page and "import-progress" not in page
    with app.app_context(), db.connection_context():
        assert count(Item) == 40


def test_errors_listed_by_line_and_nothing_imported(english, login, no_shelves, app):
    app.config["IMPORT_INLINE_BYTES"] = 0
    login("archivist")
    response = upload(english, SAMPLES / "catalogue-zh.xlsx")
    seen = wait_done(english, app, response.headers["Location"] + "/status")
    assert seen[-1]["status"] == "failed" and seen[-1]["error_count"] == 31

    page = english.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported: 31 errors" in page
    # the xlsx has a title row: V00000001's row is line 3 as Excel shows it
    assert '<td data-label="Line">3</td><td data-label="Problem">Unknown location code KF-A-01.</td>' in page
    with app.app_context(), db.connection_context():
        assert count(Item) == 0 and AuditLog.select().where(AuditLog.action == "items.import").count() == 0
        job = ImportJob.get()
        assert (job.status, job.error_count, job.imported) == ("failed", 31, 0)


def test_errors_shown_in_chinese(client, login, no_shelves):
    login("archivist")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = upload(client, SAMPLES / "catalogue-zh.csv")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "位置编号不存在：KF-A-01。" in page
    assert "未导入任何数据" in page


def test_security_officer_imports_staff_with_pending_badges(english, login, shelves, app):
    login("security_officer", person=False)  # the sample's badge numbers are B00000001…
    response = upload(english, SAMPLES / "staff-zh.csv", url="/import/people")
    page = english.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 5 people" in page and "Pending vetting" in page
    with app.app_context(), db.connection_context():
        assert {p.badge_status for p in Person.select().where(Person.badge_code.startswith("B0000000"))} == {"pending"}
        assert AuditLog.select().where(AuditLog.action == "people.import").count() == 1


def test_dry_run_checks_only(english, login, shelves, app):
    login("archivist")
    response = upload(english, SAMPLES / "catalogue-zh.csv", dry_run=True)
    page = english.get(response.headers["Location"]).get_data(as_text=True)
    assert "40 rows checked: no errors. Nothing was imported" in page
    with app.app_context(), db.connection_context():
        assert count(Item) == 0


@pytest.mark.parametrize("name, message", [
    ("catalogue.xls", "Only .xlsx and .csv files can be imported"),
    ("catalogue.pdf", "Only .xlsx and .csv files can be imported"),
])
def test_other_file_types_refused(english, login, shelves, app, tmp_path, name, message):
    login("archivist")
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0 not a catalogue")
    response = upload(english, path)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context(), db.connection_context():
        assert count(ImportJob) == 0 and count(Item) == 0


def test_oversized_file_refused_with_the_limit(english, login, shelves, app):
    login("archivist")
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = upload(english, SAMPLES / "catalogue-zh.csv")  # 3.2 kB
    assert response.status_code == 413
    assert "The file is too large: at most 0.00195312 MB" in response.get_data(as_text=True)
    with app.app_context(), db.connection_context():
        assert count(ImportJob) == 0 and count(Item) == 0


@pytest.mark.parametrize("role, url, status", [
    ("operator", "/import/items", 403),
    ("supervisor", "/import/items", 403),
    ("security_officer", "/import/items", 403),
    ("administrator", "/import/items", 403),
    ("auditor", "/import/items", 200),
    ("archivist", "/import/people", 403),
    ("operator", "/import/people", 403),
    ("administrator", "/import/people", 403),
])
def test_wrong_role_refused(english, login, shelves, role, url, status):
    login(role)
    assert english.get(url).status_code == status  # the auditor may read the page (200), never upload
    token = csrf_token(english, "/")
    response = english.post(url, data={"csrf_token": token, "file": (io.BytesIO(b"x"), "a.csv")},
                            content_type="multipart/form-data")
    assert response.status_code == 403


def test_anonymous_sent_to_login_and_job_of_other_kind_hidden(english, login, shelves, app):
    assert english.get("/import/items").status_code == 302
    assert english.get("/import/items/jobs/1/status", headers={"Accept": "application/json"}).status_code == 401
    login("security_officer", person=False)  # the sample's badge numbers are B00000001…
    response = upload(english, SAMPLES / "staff-zh.csv", url="/import/people")
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    assert english.get(f"/import/people/jobs/{job_id}/status").get_json()["status"] == "done"
    assert english.get(f"/import/items/jobs/{job_id}").status_code == 403  # not their permission


def test_nav_link_for_importers_only(english, login, shelves):
    login("archivist")
    assert 'href="/import/items"' in english.get("/").get_data(as_text=True)
    english.post("/logout", data={"csrf_token": csrf_token(english, "/")})
    login("operator")
    assert 'href="/import/items"' not in english.get("/").get_data(as_text=True)


def test_job_interrupted_by_a_restart_is_reported_failed(english, login, shelves, app):
    from datetime import timedelta

    from app.custody import clock

    user = login("archivist")
    with app.app_context(), db.connection_context():
        long_ago = clock.now() - timedelta(minutes=30)
        job = ImportJob.create(kind="items", filename="big.csv", status="importing", created_by=user.id,
                               created_at=long_ago, started_at=long_ago, rows_total=300000)
        fresh = ImportJob.create(kind="items", filename="now.csv", status="validating", created_by=user.id)

    stale = english.get(f"/import/items/jobs/{job.id}/status").get_json()
    running = english.get(f"/import/items/jobs/{fresh.id}/status").get_json()

    assert (stale["status"], stale["finished"]) == ("failed", True)
    assert (running["status"], running["finished"]) == ("validating", False)
    page = english.get(f"/import/items/jobs/{job.id}").get_data(as_text=True)
    assert "The import was interrupted before it finished" in page
