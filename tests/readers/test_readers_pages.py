"""The readers page (administrator), the door log (security officer, supervisor, auditor) and the
`custody add-reader / reader-token / check-readers` commands."""
import re
from datetime import timedelta

from app.custody import clock, readers
from app.custody.models import Alert, AuditLog, Reader
from tests import factories as f

TOKEN_RE = re.compile(r'id="reader-token">(rdr_[^<]+)<')


def test_administrator_registers_a_reader_and_sees_the_token_once(client, login, post, rsite):
    login("administrator")
    response = post("/admin/readers", {"name": "大门读卡器", "location": "DOOR-1", "mode": "perimeter_door",
                                       "protocol": "rdm6300", "settings": "{}"}, token_from="/admin/readers")
    assert response.status_code == 200
    secret = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    reader = Reader.get(Reader.name == "大门读卡器")
    assert readers.reader_for_token(secret).id == reader.id
    assert secret not in reader.token_hash  # only the hash is kept
    listing = client.get("/admin/readers").get_data(as_text=True)
    assert "大门读卡器" in listing and secret not in listing
    assert AuditLog.select().where(AuditLog.action == "reader.create").count() == 1


def test_bad_settings_are_refused_with_a_message(client, login, post, rsite):
    login("administrator")
    response = post("/admin/readers", {"name": "kf-door", "location": "DOOR-1", "mode": "internal_door",
                                       "protocol": "chafon", "settings": "{}"}, token_from="/admin/readers")
    assert response.status_code == 422
    assert "side_a" in response.get_data(as_text=True)
    assert Reader.select().count() == 0


def test_rotate_and_revoke_from_the_page(client, login, post, rsite):
    reader, old = readers.register_reader("door-1", location=f.loc("DOOR-1"), mode="perimeter_door",
                                        protocol="rdm6300")
    login("administrator")
    ask = post(f"/admin/readers/{reader.id}/rotate", token_from="/admin/readers")  # a confirmation step first
    assert ask.status_code == 200 and readers.reader_for_token(old).id == reader.id
    assert 'name="confirmed" value="1"' in ask.get_data(as_text=True)
    response = post(f"/admin/readers/{reader.id}/rotate", {"confirmed": "1"}, token_from="/admin/readers")
    new = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    assert readers.reader_for_token(old) is None and readers.reader_for_token(new).id == reader.id
    assert readers.reader_for_token(new) is not None
    post(f"/admin/readers/{reader.id}/revoke", token_from="/admin/readers")
    assert readers.reader_for_token(new) is not None  # asked, not done
    response = post(f"/admin/readers/{reader.id}/revoke", {"confirmed": "1"}, token_from="/admin/readers",
                    follow_redirects=True)
    assert readers.reader_for_token(new) is None
    assert "Token revoked" in response.get_data(as_text=True) or "令牌已吊销" in response.get_data(as_text=True)
    actions = [a.action for a in AuditLog.select().order_by(AuditLog.id)]
    assert actions[-2:] == ["reader.rotate_token", "reader.revoke_token"]


def test_readers_page_shows_online_and_offline(client, login, rsite):
    online, _ = readers.register_reader("shelf-1", location=f.loc("KF-A-01"), mode="shelf", protocol="chafon")
    offline, _ = readers.register_reader("shelf-2", location=f.loc("KF-A-02"), mode="shelf", protocol="chafon")
    Reader.update(last_heartbeat_at=clock.now()).where(Reader.id == online.id).execute()
    Reader.update(last_heartbeat_at=clock.now() - timedelta(hours=2)).where(Reader.id == offline.id).execute()
    login("administrator")
    page = client.get("/admin/readers", headers={"Accept-Language": "en"}).get_data(as_text=True)
    rows = dict(re.findall(r'data-reader="([^"]+)">(.*?)</tr>', page, re.S))
    assert "reader-online" in rows["shelf-1"] and "reader-offline" in rows["shelf-2"]


def test_only_administrators_manage_readers(client, login, rsite):
    login("security_officer")
    assert client.get("/admin/readers").status_code == 403
    assert client.get("/doors").status_code == 200


def test_cli_add_reader_check_readers_and_token(app, dbconn, rsite):
    cli = app.test_cli_runner()

    class Runner:
        def invoke(self, args):
            result = cli.invoke(args=args)
            dbconn.connect(reuse_if_open=True)  # the command closed this thread's connection
            return result

    runner = Runner()
    result = runner.invoke(args=["add-reader", "kf-door", "--location", "DOOR-1", "--mode", "internal_door",
                                 "--protocol", "chafon", "--side-a", "KF", "--side-b", "JG"])
    assert result.exit_code == 0, result.output
    secret = re.search(r"Token: (rdr_\S+)", result.output).group(1)
    assert readers.reader_for_token(secret).name == "kf-door"
    again = runner.invoke(args=["add-reader", "kf-door", "--location", "DOOR-1", "--mode", "internal_door",
                                "--protocol", "chafon", "--side-a", "KF", "--side-b", "JG"])
    assert again.exit_code != 0 and "already exists" in again.output
    replaced = runner.invoke(args=["add-reader", "kf-door", "--location", "DOOR-1", "--mode", "internal_door",
                                   "--protocol", "chafon", "--replace-token", "--token-only"])
    assert replaced.output.strip().startswith("rdr_") and readers.reader_for_token(secret) is None
    bad = runner.invoke(args=["add-reader", "x", "--location", "NOWHERE", "--mode", "shelf", "--protocol", "chafon"])
    assert bad.exit_code != 0 and "NOWHERE" in bad.output
    Reader.update(created_at=clock.now() - timedelta(hours=1)).execute()
    checked = runner.invoke(args=["check-readers", "--offline-after", "60"])
    assert checked.exit_code == 0 and "kf-door" in checked.output
    assert Alert.get().kind == "reader_offline"
    revoked = runner.invoke(args=["reader-token", "kf-door", "--revoke"])
    assert revoked.exit_code == 0 and Reader.get().token_hash is None


def test_the_scheduler_runs_the_reader_checks(app, dbconn, rsite):
    readers.register_reader("shelf-9", location=f.loc("KF-A-01"), mode="shelf", protocol="chafon")
    Reader.update(created_at=clock.now() - timedelta(hours=1)).execute()
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    dbconn.connect(reuse_if_open=True)
    assert result.exit_code == 0, result.output
    assert "reader-checks: 1 reader(s) newly offline" in result.output
    assert Alert.get().kind == "reader_offline"
