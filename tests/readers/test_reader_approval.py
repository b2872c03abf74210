"""Readers are devices someone approved: a reader the administrator registers (or gives a new token) has
its reads stored and shown, marked unapproved, and changes no custody until the security officer
approves it; both steps are in the admin log. (The finding: an administrator registered a shelf reader,
took its token and posted reads: a "return" was recorded.)"""
import re

import pytest

from app.custody import readers
from app.custody.errors import NotAllowedError
from app.custody.models import AuditLog, Event, Item, Reader, ReaderRead, Tag
from tests import factories as f

from .test_ingest_api import VOLUME_EPC, post, read

TOKEN_RE = re.compile(r'id="reader-token">(rdr_[^<]+)<')


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def out_volume(rsite):
    """A volume an operator has out at a workstation, with its RFID tag."""
    vol = f.item(at="KF-A-01")
    Tag.create(tag=VOLUME_EPC, item=vol)
    from app.custody import services

    services.check_out(vol.code, to=f.loc("WS-01"), holder=f.person("王强"), actor=None)
    return vol


def register_as_admin(client, login, post_form):
    login("administrator", username="admin")
    page = post_form("/admin/readers", {"name": "shelf-x", "location": "KF-A-01", "mode": "shelf",
                                        "protocol": "chafon", "settings": "{}"}, token_from="/admin/readers")
    assert page.status_code == 200
    return TOKEN_RE.search(page.get_data(as_text=True)).group(1)


def test_administrator_registering_a_reader_and_posting_reads_changes_no_custody(client, login, post, out_volume):
    secret = register_as_admin(client, login, post)
    client.post("/logout", data={})
    response = post_reads(client, secret)
    assert response.status_code == 200
    assert response.get_json()["outcomes"] == [{"seq": 1, "outcome": "unapproved"}]
    assert Item.get_by_id(out_volume.id).state == "out"  # not returned
    assert Event.select().count() == 1  # the check-out only
    stored = ReaderRead.get()
    assert stored.outcome == "unapproved" and stored.item_id == out_volume.id


def post_reads(client, secret, seq=1):
    return post(client, secret, [read(seq, VOLUME_EPC, scheme="epc")])


def test_security_officer_sees_the_reads_and_approves(app, client, login, post, out_volume):
    secret = register_as_admin(client, login, post)
    post_reads(client, secret)
    client.post("/logout", data={"csrf_token": ""})
    client.delete_cookie("session")
    login("security_officer", username="so")
    page = client.get("/doors/readers").get_data(as_text=True)
    assert "shelf-x" in page and "Awaiting approval" in page and "unapproved: not applied" in page
    reader = Reader.get(Reader.name == "shelf-x")
    done = post(f"/doors/readers/{reader.id}/approve", token_from="/doors/readers", follow_redirects=True)
    assert "shelf-x is approved" in done.get_data(as_text=True)
    # the next read of the volume returns it
    assert post_reads(client, secret, seq=2).get_json()["outcomes"] == [{"seq": 2, "outcome": "returned"}]
    assert Item.get_by_id(out_volume.id).state == "in_storage"
    log = [(r.action, r.username) for r in AuditLog.select().where(AuditLog.action.startswith("reader."))
           .order_by(AuditLog.id)]
    assert log == [("reader.create", "admin"), ("reader.approve", "so")]


def test_a_new_token_needs_approval_again(client, out_volume):
    reader, _old = readers.register_reader("shelf-y", location=f.loc("KF-A-01"), mode="shelf", protocol="chafon")
    f.approved(reader)
    secret = readers.rotate_token(Reader.get_by_id(reader.id))
    assert post_reads(client, secret).get_json()["outcomes"] == [{"seq": 1, "outcome": "unapproved"}]
    assert Item.get_by_id(out_volume.id).state == "out"
    assert AuditLog.select().where(AuditLog.action == "reader.rotate_token").get().detail.find('"approved":false') > 0


def test_only_the_security_officer_approves(client, login, post, rsite):
    reader, _secret = readers.register_reader("shelf-z", location=f.loc("KF-A-01"), mode="shelf", protocol="chafon")
    admin = f.user("administrator")
    with pytest.raises(NotAllowedError):
        readers.approve_reader(reader, by=admin)
    login("administrator")
    assert post(f"/doors/readers/{reader.id}/approve", token_from="/").status_code == 403
    assert Reader.get_by_id(reader.id).approved_at is None


def test_approve_reader_command(app, rsite):
    reader, _secret = readers.register_reader("shelf-c", location=f.loc("KF-A-01"), mode="shelf", protocol="chafon")
    f.user("security_officer", username="so2")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["approve-reader", "shelf-c", "--as", "so2"])
    assert result.exit_code == 0, result.output
    assert Reader.get_by_id(reader.id).approved_at is not None
    again = runner.invoke(args=["approve-reader", "shelf-c", "--as", "so2"])
    assert again.exit_code == 1 and "already approved" in again.output
