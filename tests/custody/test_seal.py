"""The sealed log: someone with write access to the database (triggers dropped, every later hash and the
chain head recomputed) cannot rewrite, renumber, cut or scrub the logs unseen; `custody verify-log` names
the first row that disagrees. Before the seal, each of these rewrites verified as intact. Every case runs on
a default site (SHA-256 chains, Ed25519) and on one sealed with the national algorithms (SM3, SM2)."""
import os
import stat

import pytest

from app.custody import accounts, audit, seal, services
from app.custody.errors import LoginFailedError
from app.custody.models import Checkpoint
from app.db import db, is_sqlite
from tests import factories as f

TABLES = ("event", "audit_log", "checkpoint")


@pytest.fixture(params=["ed25519-sha256", "sm2-sm3"])
def algorithms(request, database):
    """The site's algorithm set, chosen before anything is logged (as `custody init-db --algorithms`)."""
    seal.choose_algorithm(request.param)
    return request.param


@pytest.fixture
def sealed(app, algorithms):
    """A site with a seal key (as `custody init-db` makes it), a checkpoint, 14 custody events, failed logins
    in the admin log, then the day's checkpoint."""
    f.site()
    assert seal.ensure_key()
    seal.seal(reason="init")
    who = f.person("王强")
    for _n in range(7):
        vol = f.item()
        services.check_out(vol.code, to=f.loc("WS-01"), holder=who, actor=None)
        services.return_to_storage(vol.code, to=f.loc("KF-A-02"), actor=who)
    f.user("operator", username="clerk")
    for _n in range(3):
        with pytest.raises(LoginFailedError):
            accounts.authenticate("clerk", "wrong password", ip="10.0.0.9")
    seal.seal(reason="nightly")
    return app


@pytest.fixture
def attacker(sealed):
    """Remove the append-only protection, as someone with direct database access would."""
    if is_sqlite():
        for table in TABLES:
            for op in ("update", "delete"):
                db.execute_sql(f"DROP TRIGGER {table}_no_{op}")
    else:
        for table in TABLES:
            db.execute_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield db
    if not is_sqlite():  # the PostgreSQL schema outlives this test
        db.connect(reuse_if_open=True)
        for table in TABLES:
            db.execute_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def rehash(name: str) -> None:
    """Recompute every row's link and hash and move the chain head, as a careful forger would."""
    model, fields = audit.CHAINS[name]
    table = model._meta.table_name
    prev, last = audit.GENESIS, 0
    for row in list(seal.plain_rows(name)):
        digest = audit.row_hash(row["id"], prev, row, fields, seal.algorithm())
        db.execute_sql(f"UPDATE {table} SET prev_hash = '{prev}', hash = '{digest}' WHERE id = {row['id']}")
        prev, last = digest, row["id"]
    db.execute_sql(f"UPDATE log_head SET last_id = {last}, last_hash = '{prev}' WHERE name = '{name}'")


def delete_and_renumber(table: str, ids: list[int]) -> None:
    for row_id in ids:
        db.execute_sql(f"DELETE FROM {table} WHERE id = {row_id}")
    remaining = [r[0] for r in db.execute_sql(f"SELECT id FROM {table} ORDER BY id").fetchall()]
    for new_id, old_id in enumerate(remaining, start=1):
        if new_id != old_id:
            db.execute_sql(f"UPDATE {table} SET id = {new_id} WHERE id = {old_id}")


def verify_cli(app):
    result = app.test_cli_runner().invoke(args=["verify-log"])
    db.connect(reuse_if_open=True)  # the command closes the connection it used
    return result


def test_key_file_is_private_and_the_public_key_is_exported(sealed):
    private, public = seal.key_paths()
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    assert b"PUBLIC KEY" in public.read_bytes() and b"PRIVATE" not in public.read_bytes()
    assert not seal.ensure_key()  # made once
    fp = seal.public_key_fingerprint()
    assert len(fp.split()) == 8 and fp == seal.public_key_fingerprint(seal.load_public_key(public.read_bytes()))


def test_untouched_sealed_log_verifies(sealed):
    result = verify_cli(sealed)
    assert result.exit_code == 0, result.output
    assert "custody log: intact (14 rows), 14 rows signed" in result.output
    assert "checkpoints: 2 verified with key " + seal.public_key_fingerprint() in result.output


def test_full_rehash_after_changing_event_10_is_caught_at_row_10(sealed, attacker):
    with db.atomic():
        db.execute_sql("UPDATE event SET note = 'returned on time' WHERE id = 10")
        rehash("event")
    assert audit.verify_chain("event").ok  # the plain hash chain is fooled: this was the finding
    result = verify_cli(sealed)
    assert result.exit_code == 1, result.output
    assert "custody log: BROKEN at row 10: its seal signature does not match" in result.output
    assert "admin log: intact" in result.output


def test_deleting_an_event_and_renumbering_is_caught(sealed, attacker):
    with db.atomic():
        if is_sqlite():
            db.execute_sql("PRAGMA defer_foreign_keys = ON")
        delete_and_renumber("event", [5])
        rehash("event")
    assert audit.verify_chain("event").ok
    result = verify_cli(sealed)
    assert result.exit_code == 1
    assert "custody log: BROKEN at row 5: its seal signature does not match" in result.output


def test_cutting_the_tail_and_moving_the_head_back_is_caught(sealed, attacker):
    with db.atomic():
        db.execute_sql("DELETE FROM event WHERE id > 11")
        rehash("event")
    assert audit.verify_chain("event").ok
    result = verify_cli(sealed)
    assert result.exit_code == 1
    assert "custody log: BROKEN at row 12: rows a signed checkpoint recorded are gone" in result.output


def test_scrubbing_failed_logins_from_the_admin_log_is_caught(sealed, attacker):
    failed = [r[0] for r in db.execute_sql("SELECT id FROM audit_log WHERE action = 'login.failed' ORDER BY id")]
    assert len(failed) == 3
    with db.atomic():
        delete_and_renumber("audit_log", failed)
        rehash("audit")
    assert audit.verify_chain("audit").ok
    result = verify_cli(sealed)
    assert result.exit_code == 1
    assert f"admin log: BROKEN at row {failed[0]}" in result.output
    assert "custody log: intact" in result.output


def test_stripping_signatures_is_caught(sealed, attacker):
    with db.atomic():
        db.execute_sql("UPDATE event SET note = 'x', sig = '' WHERE id = 10")
        db.execute_sql("UPDATE event SET sig = '' WHERE id > 10")
        rehash("event")
    result = verify_cli(sealed)
    assert result.exit_code == 1
    assert "custody log: BROKEN at row 10: it carries no seal signature" in result.output


def test_deleting_a_checkpoint_from_the_middle_is_caught(sealed, attacker):
    seal.seal(reason="manual")
    db.execute_sql("DELETE FROM checkpoint WHERE id = 2")
    result = verify_cli(sealed)
    assert result.exit_code == 1
    assert "checkpoints: BROKEN: a checkpoint is missing" in result.output


def test_deleting_every_checkpoint_is_caught(sealed, attacker):
    db.execute_sql("DELETE FROM checkpoint")
    result = verify_cli(sealed)
    assert result.exit_code == 1
    assert "the seal key exists but no checkpoint does" in result.output


def test_a_forged_checkpoint_is_caught(sealed, attacker):
    with db.atomic():
        db.execute_sql("DELETE FROM event WHERE id > 11")
        rehash("event")
        head = db.execute_sql("SELECT last_hash FROM log_head WHERE name = 'event'").fetchone()[0]
        db.execute_sql(f"UPDATE checkpoint SET event_last_id = 11, event_last_hash = '{head}' WHERE id = 2")
    result = verify_cli(sealed)
    assert result.exit_code == 1
    assert "checkpoints: BROKEN: a checkpoint's signature does not match the public key" in result.output


def test_a_row_written_without_the_key_after_sealing_is_caught(sealed, tmp_path):
    # the key file is moved away (someone writes through the app's code with another instance folder)
    private, _public = seal.key_paths()
    moved = tmp_path / "elsewhere.pem"
    os.rename(private, moved)
    seal._private_cache.clear()
    try:
        f.user("operator", username="late")
    finally:
        os.rename(moved, private)
    report = seal.verify()
    assert not report.ok and report.chains["audit"].problem == "unsigned"


def test_verifier_with_only_the_public_key_and_plain_rows(sealed, tmp_path):
    """An offline verifier (the completion bundle's) takes lists of dicts and the public key file."""
    public_pem = seal.key_paths()[1].read_bytes()
    rows = {name: list(seal.plain_rows(name)) for name in ("event", "audit")}
    checkpoints = seal.plain_checkpoints()
    report = seal.verify_rows(rows, checkpoints, public_pem)
    assert report.ok and report.chains["event"].rows == 14
    rows["event"][9]["note"] = "changed in the export"
    report = seal.verify_rows(rows, checkpoints, public_pem)
    assert not report.ok and report.chains["event"].first_bad_id == 10
    assert report.chains["event"].problem == "content"


def test_paper_copy_anchors_a_checkpoint_later_deleted_with_the_rows_it_sealed(sealed, attacker):
    cp = Checkpoint.get(Checkpoint.id == 2)
    paper = seal.paper_text(cp)
    assert seal.verify_paper(paper) == (True, "checkpoint #2 matches")
    # the forger cuts the tail and the checkpoint that recorded it: the database alone cannot tell
    with db.atomic():
        db.execute_sql("DELETE FROM event WHERE id > 11")
        db.execute_sql("DELETE FROM checkpoint WHERE id = 2")
        rehash("event")
    assert seal.verify().ok
    ok, why = seal.verify_paper(paper)
    assert not ok and "checkpoint #2 is not in the database" in why
    result = sealed.test_cli_runner().invoke(args=["verify-log", "--paper", paper])
    db.connect(reuse_if_open=True)
    assert result.exit_code == 1 and "paper checkpoint: DOES NOT MATCH" in result.output


def test_seal_log_command(sealed):
    result = sealed.test_cli_runner().invoke(args=["seal-log"])
    db.connect(reuse_if_open=True)
    assert result.exit_code == 0, result.output
    cp = Checkpoint.select().order_by(Checkpoint.id.desc()).get()
    assert f"Sealed checkpoint #{cp.id}" in result.output and seal.short_code(cp) in result.output
    assert cp.event_last_id == 14


def test_seal_log_without_a_key_says_so(app, site):
    result = app.test_cli_runner().invoke(args=["seal-log"])
    db.connect(reuse_if_open=True)
    assert result.exit_code == 1 and "seal key is missing" in result.output
