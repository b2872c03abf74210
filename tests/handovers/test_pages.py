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


def test_operator_raises_secrecy_mark_from_the_item_page_and_security_officer_releases(app, site):
    from app.custody.handovers.models import QuarantineRecord
    from app.custody.models import Alert

    with app.app_context():
        db.connect(reuse_if_open=True)
        operator, officer = staff("operator", "service"), staff("security_officer", "archive")
        code = factories.item().code
    service, security = _login(app, operator), _login(app, officer)
    page = service.get(f"/i/{code}").get_data(as_text=True)
    assert "Secrecy mark found" in page and "Register damage" in page
    r = _post(service, "/handovers/quarantine", {"code": code, "pages": "12", "note": "机密",
                                                  "next": f"/i/{code}"}, follow_redirects=True)
    assert "the supervisor and the security officer are alerted" in r.get_data(as_text=True)
    assert service.get("/handovers/quarantine").status_code == 403  # the operator raises, does not read it
    register = security.get("/handovers/quarantine").get_data(as_text=True)
    assert code in register and "Quarantined" in register
    r = _post(service, f"/handovers/quarantine/{code}/release", {"reason": "x"})
    assert r.status_code == 403
    _post(security, f"/handovers/quarantine/{code}/release", {"reason": "已解密"})
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert QuarantineRecord.get().status == "released"
        assert Item.get(Item.code == code).state == "in_storage"
        assert Alert.get(Alert.kind == "quarantine").severity == "critical"


def test_damage_register_with_repair_filters_and_csv(app, site):
    with app.app_context():
        db.connect(reuse_if_open=True)
        operator, archivist = staff("operator", "service"), staff("archivist", "archive")
        a, b = factories.item(), factories.item()
    service, archive = _login(app, operator), _login(app, archivist)
    for item, what in ((a, "书脊开裂"), (b, "水渍")):
        _post(service, "/handovers/damage", {"code": item.code, "description": what, "pages": "3-5"})
    r = _post(service, "/handovers/damage", {"code": a.code, "description": ""}, follow_redirects=True)
    assert "Describe the damage." in r.get_data(as_text=True)
    with app.app_context():
        db.connect(reuse_if_open=True)
        from app.custody.handovers.models import DamageRecord

        first = DamageRecord.get(DamageRecord.item == a.id).id
    assert _post(service, f"/handovers/damage/{first}/repair", {"repaired_by": "x", "how": "y"}).status_code == 403
    _post(archive, f"/handovers/damage/{first}/note", {"text": "送修复室"})
    _post(archive, f"/handovers/damage/{first}/repair", {"repaired_by": "修复室 张", "how": "托裱"})
    page = archive.get("/handovers/damage?status=repaired").get_data(as_text=True)
    assert a.code in page and b.code not in page and "托裱" in page and "送修复室" in page
    csv_text = archive.get("/handovers/damage.csv?status=open").get_data(as_text=True)
    assert csv_text.startswith("\ufeff") and b.code in csv_text and a.code not in csv_text
    assert "水渍" in csv_text and "Open" in csv_text


def test_a_next_address_off_the_site_is_ignored(app, site):
    with app.app_context():
        db.connect(reuse_if_open=True)
        operator = staff("operator", "service")
        code = factories.item().code
    service = _login(app, operator)
    for target in ("//evil.example/x", "/\\evil.example", "https://evil.example/"):
        r = _post(service, "/handovers/damage", {"code": code, "description": "x", "next": target})
        assert r.headers["Location"].endswith("/handovers/damage"), target


def test_item_page_lists_the_volumes_handovers_damage_and_quarantine(app, site):
    from app.custody.handovers import raise_secrecy_mark, register_damage

    with app.app_context():
        db.connect(reuse_if_open=True)
        archivist, operator = staff("archivist", "archive"), staff("operator", "service")
        item = factories.item()
        from .helpers import handed_over

        h = handed_over(archivist, operator, [item])
        register_damage(item.code, actor=operator.person, user=operator, description="书脊开裂")
        raise_secrecy_mark(item.code, actor=operator.person, user=operator, pages="7")
    page = _login(app, archivist).get(f"/i/{item.code}").get_data(as_text=True)
    assert h.number in page and "书脊开裂" in page and "Quarantine register" in page and "Pages 7" in page


def test_return_check_page_shows_the_difference_with_the_outgoing_list(app, site):
    from app.custody.handovers import open_handover, scan_line

    from .helpers import handed_over

    with app.app_context():
        db.connect(reuse_if_open=True)
        archivist, operator = staff("archivist", "archive"), staff("operator", "service")
        item = factories.item()
        handed_over(archivist, operator, [item])
        back = open_handover("to_archive", user=operator)
        scan_line(back, item.code, actor=operator.person, user=operator, pages=98)
        scan_line(back, item.code, actor=archivist.person, user=archivist, pages=98)
    page = _login(app, archivist).get(f"/handovers/{back.number}").get_data(as_text=True)
    assert "Pages differ from the outgoing list" in page and "Outgoing list: 100" in page
    assert "Scan as the receiving side" in page and 'id="confirm-button" disabled' in page
