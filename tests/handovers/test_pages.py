"""The handover pages through the web client: batch, both sides' scans, differences, both confirmations."""
from app.custody.handovers.models import Batch, Handover
from app.custody.models import Item
from app.db import db
from tests import factories
from tests.conftest import csrf_token

from .helpers import staff


def _login(app, user):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = csrf_token(client)
    assert client.post("/login", data={"username": user.username, "password": factories.PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client


def _post(client, path, data, **kw):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/handovers/")}, **kw)


def test_batch_outgoing_handover_on_the_pages(app, site):
    with app.app_context():
        db.connect(reuse_if_open=True)
        archivist, operator = staff("archivist", "archive"), staff("operator", "service")
        items = [factories.item() for _ in range(3)]
        codes = [i.code for i in items]
    archive, service = _login(app, archivist), _login(app, operator)
    r = _post(archive, "/handovers/batches", {"title": "第一批", "entries": "\n".join(codes) + "\nNOPE-1"})
    assert r.status_code == 302
    assert "Not found: NOPE-1" in archive.get("/handovers/").get_data(as_text=True)
    r = _post(archive, "/handovers/batches", {"title": "第一批", "entries": "\n".join(codes)})
    number = r.headers["Location"].rsplit("/", 1)[-1]
    page = archive.get(f"/handovers/batches/{number}").get_data(as_text=True)
    assert all(code in page for code in codes) and "第一批" in page
    assert archive.get(f"/handovers/batches/{number}/pick-list.pdf").mimetype == "application/pdf"
    r = _post(archive, "/handovers/new", {"direction": "to_service", "batch": number})
    h = r.headers["Location"].rsplit("/", 1)[-1]
    for code in codes:
        _post(archive, f"/handovers/{h}/scan", {"code": code, "condition": "intact"})
    _post(service, f"/handovers/{h}/scan", {"code": codes[0], "condition": "intact"})
    _post(service, f"/handovers/{h}/scan", {"code": codes[1], "condition": "intact", "pages": "99"})
    page = archive.get(f"/handovers/{h}").get_data(as_text=True)
    assert "Page counts differ" in page and "Not found by the receiver" in page
    r = _post(archive, f"/handovers/{h}/confirm", {}, follow_redirects=True)
    assert "2 differences are not resolved yet" in r.get_data(as_text=True)
    _post(service, f"/handovers/{h}/scan", {"code": codes[1], "condition": "intact", "pages": "100"})
    _post(service, f"/handovers/{h}/accept", {"code": codes[2], "note": "库房未找到"})
    r = _post(archive, f"/handovers/{h}/confirm", {}, follow_redirects=True)
    assert "waiting for the other side" in r.get_data(as_text=True)
    r = _post(service, f"/handovers/{h}/confirm", {}, follow_redirects=True)
    assert "custody has passed" in r.get_data(as_text=True)
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert Handover.get(Handover.number == h).status == "confirmed"
        assert [Item.get(Item.code == c).state for c in codes] == ["out", "out", "in_storage"]
        assert Batch.get(Batch.number == number).entries.count() == 3
    r = service.get(f"/handovers/{h}.pdf")
    assert r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")


def test_refusals_are_shown_and_change_nothing(app, site):
    with app.app_context():
        db.connect(reuse_if_open=True)
        archivist, operator = staff("archivist", "archive"), staff("operator", "service")
        code = factories.item().code
    archive, service = _login(app, archivist), _login(app, operator)
    r = _post(archive, "/handovers/new", {"direction": "to_service"})
    h = r.headers["Location"].rsplit("/", 1)[-1]
    r = _post(service, f"/handovers/{h}/scan", {"code": "V99999999", "condition": "intact"}, follow_redirects=True)
    assert "Unknown code: V99999999" in r.get_data(as_text=True)
    r = _post(archive, f"/handovers/{h}/scan", {"code": code, "condition": "damaged"}, follow_redirects=True)
    assert "Say what is wrong with the volume" in r.get_data(as_text=True)
    r = _post(service, f"/handovers/{h}/confirm", {}, follow_redirects=True)
    assert "Both sides must scan at least one volume" in r.get_data(as_text=True)
