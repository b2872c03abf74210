"""The signing key's fingerprint is printed on the lists people sign and file — the handover list and the
pick list (both copies), the media lists — as on the overnight report and the audit page."""
import pypdfium2 as pdfium

from app.custody import seal
from tests import factories as f
from tests.handovers.helpers import handed_over, staff, volumes


def text(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def _client(app, user):
    from tests.conftest import csrf_token

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = csrf_token(client)
    assert client.post("/login", data={"username": user.username, "password": f.PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client


def test_handover_and_pick_lists_carry_the_fingerprint(app, site):
    seal.ensure_key()
    archivist, receiver = staff("archivist", "archive"), staff("operator", "service")
    h = handed_over(archivist, receiver, volumes(2))
    client = _client(app, archivist)
    fingerprint = seal.public_key_fingerprint()
    handover = text(client.get(f"/handovers/{h.number}.pdf").data)
    assert handover.count(fingerprint) >= 2  # on every page of both copies
    assert fingerprint in text(client.get(f"/handovers/batches/{h.batch.number}/pick-list.pdf").data)


def test_media_lists_carry_the_fingerprint(app, site):
    seal.ensure_key()
    client = _client(app, f.user("security_officer"))
    response = client.get("/media/export/register.pdf")
    assert response.status_code == 200
    assert seal.public_key_fingerprint() in text(response.data)


def test_without_a_key_the_lists_say_nothing_of_it(app, site):
    client = _client(app, f.user("security_officer"))
    assert "fingerprint" not in text(client.get("/media/export/register.pdf").data).lower()
