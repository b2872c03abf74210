"""A site that must use the national algorithms: `custody init-db --algorithms national` records SM3 chains
and SM2 signatures, seals and verifies with them, shows them to the auditor, exports a bundle that verifies
offline, and refuses a switch once the log has rows, a bundle or checkpoint of the other set, and a key of
the other kind. (The tamper cases of tests/custody/test_seal.py run on both sets.)"""
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile

import pytest
from click.testing import CliRunner

from app.cli import main
from app.custody import audit, completion, seal, services, signing, suites
from app.custody.models import Checkpoint, Event, LogHead
from app.db import db
from tests import factories as f


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    db.connect(reuse_if_open=True)  # the command closes the connection it used
    return result


@pytest.fixture
def national(app, database):
    """A new site set up with `custody init-db --algorithms national`, then a little custody."""
    result = cli(app, "init-db", "--algorithms", "national")
    assert result.exit_code == 0, result.output
    assert "Made the site's signing key (sm2-sm3)" in result.output and "with sm2-sm3" in result.output
    f.site()
    who = f.person("王强")
    for _n in range(3):
        vol = f.item()
        services.check_out(vol.code, to=f.loc("WS-01"), holder=who, actor=None)
        services.return_to_storage(vol.code, to=f.loc("KF-A-02"), actor=who)
    seal.seal(reason="manual")
    return app


def test_the_choice_is_recorded_and_the_key_is_an_sm2_key(national):
    assert {h.algorithm for h in LogHead.select()} == {"sm2-sm3"}
    assert [cp.algorithm for cp in Checkpoint.select()] == ["sm2-sm3", "sm2-sm3"]
    private, public = seal.key_paths()
    # PKCS#8 / SubjectPublicKeyInfo on the SM2 curve (OID 1.2.156.10197.1.301), as OpenSSL and GmSSL read it
    assert suites.suite_of_pem(private.read_bytes()) == suites.suite_of_pem(public.read_bytes()) == "sm2-sm3"
    assert private.stat().st_mode & 0o077 == 0
    again = cli(national, "init-db")  # run again without the option: the recorded set is kept
    assert again.exit_code == 0 and {h.algorithm for h in LogHead.select()} == {"sm2-sm3"}


def test_rows_are_chained_with_sm3(national):
    """An auditor recomputing a row's hash with any SM3 implementation gets what the log holds."""
    row = next(seal.plain_rows("event"))
    body = audit.canonical_json([row["id"], row["prev_hash"]] + [row[k] for k in audit.EVENT_FIELDS])
    assert row["hash"] == hashlib.new("sm3", body.encode()).hexdigest()
    assert row["hash"] != hashlib.sha256(body.encode()).hexdigest()


def _openssl_has_sm2() -> bool:
    if not shutil.which("openssl"):
        return False
    listed = subprocess.run(["openssl", "list", "-public-key-algorithms"], capture_output=True, text=True)
    return "SM2" in listed.stdout


@pytest.mark.skipif(not _openssl_has_sm2(), reason="no openssl command with SM2")
def test_a_row_signature_verifies_with_openssl(national, tmp_path):
    """The signatures are standard SM2 (signer id 1234567812345678): OpenSSL 3 checks them without this code."""
    row = Event.get_by_id(2)
    message, sig = tmp_path / "msg", tmp_path / "sig"
    message.write_bytes(f"custody-row\nevent\n{row.id}\n{row.hash}".encode())
    sig.write_bytes(bytes.fromhex(row.sig))
    args = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(seal.key_paths()[1]), "-rawin",
            "-in", str(message), "-sigfile", str(sig), "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"]
    result = subprocess.run(args, capture_output=True, text=True)
    assert result.returncode == 0 and "Signature Verified Successfully" in result.stdout
    message.write_bytes(f"custody-row\nevent\n{row.id}\n{'0' * 64}".encode())
    assert subprocess.run(args, capture_output=True).returncode != 0


def test_verify_log_names_the_algorithms_and_passes(national):
    result = cli(national, "verify-log")
    assert result.exit_code == 0, result.output
    assert "algorithms: sm2-sm3" in result.output
    assert "custody log: intact (6 rows), 6 rows signed" in result.output
    assert "checkpoints: 2 verified with key " + seal.public_key_fingerprint() in result.output


def test_switching_algorithms_on_a_site_with_rows_is_refused(national):
    result = cli(national, "init-db", "--algorithms", "default")
    assert result.exit_code == 1
    assert "seals its log with sm2-sm3; it cannot switch to ed25519-sha256" in result.output
    assert {h.algorithm for h in LogHead.select()} == {"sm2-sm3"} and cli(national, "verify-log").exit_code == 0


def test_a_default_site_with_rows_cannot_turn_national(app, site):
    assert cli(app, "init-db").exit_code == 0
    f.user("operator", username="clerk")
    result = cli(app, "init-db", "--algorithms", "national")
    assert result.exit_code == 1 and "cannot switch to sm2-sm3" in result.output
    assert {h.algorithm for h in LogHead.select()} == {"ed25519-sha256"}


def test_a_key_of_the_other_kind_is_refused_before_anything_is_sealed(app, database):
    signing.ensure_key(app.instance_path)  # an Ed25519 key left in the instance folder
    result = cli(app, "init-db", "--algorithms", "national")
    assert result.exit_code == 1 and "a key of the other kind" in result.output
    assert not Checkpoint.select().exists() and {h.algorithm for h in LogHead.select()} == {"ed25519-sha256"}


def test_rewriting_the_recorded_choice_is_caught(national):
    """A database writer flips the site's record to the default set (and so SHA-256): the signed
    checkpoints still name sm2-sm3."""
    db.execute_sql("UPDATE log_head SET algorithm = 'ed25519-sha256'")
    seal._private_cache.clear()
    result = cli(national, "verify-log")
    assert result.exit_code == 1
    assert "checkpoints: BROKEN: the public key is of another algorithm set" in result.output


def test_an_ed25519_public_key_does_not_verify_a_national_log(national, tmp_path):
    other = tmp_path / "other"
    signing.ensure_key(other)
    result = cli(national, "verify-log", "--public-key", str(signing.public_path(other)))
    assert result.exit_code == 1 and "the public key is of another algorithm set" in result.output


def test_the_audit_page_shows_the_algorithms_and_the_sm2_fingerprint(national, client, login):
    login("auditor")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/audit/").get_data(as_text=True)
    assert "Algorithms: SM2 signatures, SM3 hash chains (national algorithms)" in page
    fingerprint = seal.public_key_fingerprint()
    pem = seal.key_paths()[1].read_bytes().strip()
    assert fingerprint.replace(" ", "").lower() == hashlib.new("sm3", pem).hexdigest()[:32]
    assert fingerprint in page and "Checkpoints: 2, all signed by this key" in page
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "SM2 签名、SM3 哈希链（国密算法）" in client.get("/audit/").get_data(as_text=True)


# ---------------------------------------------------------------- the completion bundle

@pytest.fixture
def bundle(national, tmp_path):
    path = tmp_path / "national.zip"
    result = completion.export_project(path, site_name="国密站点", signer=signing.signer(national.instance_path))
    assert result.signed
    return path


def _resign(path, out, change, signer):
    """A copy of the bundle whose manifest is changed by change(dict) and signed by signer."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for info in src.infolist():
            if info.filename not in ("manifest.json", "manifest.sig", "public_key.pem"):
                dst.writestr(info.filename, src.read(info.filename))
        change(manifest)
        body = json.dumps(manifest).encode()
        sig, pub = signer(body)
        dst.writestr("manifest.json", body)
        dst.writestr("manifest.sig", sig)
        dst.writestr("public_key.pem", pub)
    return out


def test_a_national_bundle_verifies_offline(national, bundle, tmp_path, monkeypatch):
    with zipfile.ZipFile(bundle) as zf:
        assert json.loads(zf.read("manifest.json"))["algorithm"] == "sm2-sm3"
    pub = tmp_path / "site.pub.pem"
    pub.write_bytes(signing.public_pem(national.instance_path))
    for var in ("CUSTODY_SECRET_KEY", "CUSTODY_DATABASE_URL", "FLASK_APP"):
        monkeypatch.delenv(var, raising=False)
    good = CliRunner().invoke(main, ["verify-bundle", str(bundle), "--public-key", str(pub)])
    assert good.exit_code == 0 and "intact" in good.output and "sm2-sm3" in good.output, good.output


def test_a_row_recomputed_with_sm3_inside_a_national_bundle_is_refused(national, bundle, tmp_path):
    with zipfile.ZipFile(bundle) as zf:
        rows = [json.loads(line) for line in zf.read("data/event.jsonl").decode().splitlines()]
    rows[2]["note"] = "rewritten"
    prev = audit.GENESIS
    fk = ("item", "actor", "user", "holder", "src", "dst", "reader")
    for row in rows:
        values = {fld: row[fld + "_id" if fld in fk else fld] for fld in audit.EVENT_FIELDS}
        row["prev_hash"] = prev
        row["hash"] = prev = audit.row_hash(row["id"], prev, values, audit.EVENT_FIELDS, "sm2-sm3")
    out = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "data/event.jsonl":
                data = "".join(json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
                               for r in rows).encode()
            dst.writestr(info.filename, data)
    report = completion.verify_bundle(out, signing.public_pem(national.instance_path))
    assert not report.ok
    assert any(p.file == "data/event.jsonl" and p.row == 3 for p in report.problems), report.problems


def test_a_bundle_claiming_the_other_algorithms_is_refused(national, bundle, tmp_path):
    """The manifest rewritten to say ed25519-sha256 and signed with an Ed25519 key: refused with the site's
    key, and refused on its own (the signed checkpoints in it name sm2-sm3)."""
    forger = tmp_path / "forger"
    signing.ensure_key(forger)
    out = _resign(bundle, tmp_path / "claims-default.zip", lambda m: m.update(algorithm="ed25519-sha256"),
                  signing.signer(forger))
    with_site_key = completion.verify_bundle(out, signing.public_pem(national.instance_path))
    assert not with_site_key.ok
    assert any("names the algorithms ed25519-sha256, but the key is sm2-sm3" in p.what
               for p in with_site_key.problems), with_site_key.problems
    alone = completion.verify_bundle(out)
    assert not alone.ok
    assert any("names another algorithm set" in p.what for p in alone.problems), alone.problems
    # an algorithm set this verifier does not know
    unknown = _resign(bundle, tmp_path / "unknown.zip", lambda m: m.update(algorithm="sm9"),
                      signing.signer(national.instance_path))
    assert any("unknown algorithms 'sm9'" in p.what for p in completion.verify_bundle(unknown).problems)


def test_a_default_bundle_relabelled_national_is_refused(app, site, tmp_path):
    assert cli(app, "init-db").exit_code == 0
    f.user("operator", username="clerk")
    path = tmp_path / "default.zip"
    completion.export_project(path, signer=signing.signer(app.instance_path))
    national_key = tmp_path / "national-key"
    signing.ensure_key(national_key, "sm2-sm3")
    out = _resign(path, tmp_path / "claims-national.zip", lambda m: m.update(algorithm="sm2-sm3"),
                  signing.signer(national_key))
    report = completion.verify_bundle(out)
    assert not report.ok and any("names another algorithm set" in p.what for p in report.problems)


def test_without_tongsuopy_a_national_bundle_says_what_to_install(national, bundle, monkeypatch):
    for name in [m for m in sys.modules if m.split(".")[0] == "tongsuopy"]:
        monkeypatch.setitem(sys.modules, name, None)  # as on a machine without custody[national]
    report = completion.verify_bundle(bundle)
    assert not report.ok and any("install custody[national]" in p.what for p in report.problems)


def test_a_national_bundle_hashes_its_files_and_rows_with_sm3(national, bundle, tmp_path):
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        entry = next(e for e in manifest["files"] if e["path"] == "data/item.csv")
        assert manifest["hash"] == "sm3" and "sha256" not in entry
        assert entry["sm3"] == hashlib.new("sm3", zf.read("data/item.csv")).hexdigest()
        first_row = zf.read("data/item.jsonl").decode().splitlines()[0]
        assert zf.read("hashes/item.jsonl.rows").decode().split()[0] == \
            hashlib.new("sm3", first_row.encode()).hexdigest()
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    text = members["data/item.csv"].decode()
    lines = text.split("\r\n")
    lines[3] = lines[3].replace("V", "X", 1)  # the third data row's code changed in a spreadsheet
    members["data/item.csv"] = "\r\n".join(lines).encode()
    out = tmp_path / "edited.zip"
    with zipfile.ZipFile(out, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    result = CliRunner().invoke(main, ["verify-bundle", str(out)])
    assert result.exit_code == 1 and "REFUSED data/item.csv row 3: changed" in result.output, result.output


def test_a_bundle_naming_an_unknown_hash_is_refused(national, bundle, tmp_path):
    out = _resign(bundle, tmp_path / "md5.zip", lambda m: m.update(hash="md5"), signing.signer(national.instance_path))
    report = completion.verify_bundle(out, signing.public_pem(national.instance_path))
    assert not report.ok and any("unknown hash 'md5'" in p.what for p in report.problems)


def test_sm3_is_the_same_where_the_systems_openssl_lacks_it(monkeypatch):
    """hashlib follows the system's OpenSSL, which may be built without SM3: the fallbacks agree with it."""
    expected = hashlib.new("sm3", b"abc").hexdigest()
    assert expected == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905 A.1
    monkeypatch.setattr(suites, "_sm3_from_hashlib", lambda: None)
    monkeypatch.setattr(suites, "_hashers", {suites.DEFAULT: suites._hashers[suites.DEFAULT]})
    assert suites.digest("sm2-sm3", b"abc") == expected
    incremental = suites.new_hash("sm3")
    incremental.update(b"a")
    incremental.update(b"bc")
    assert incremental.hexdigest() == expected
    monkeypatch.setattr(suites, "_sm3_from_cryptography", lambda: None)
    monkeypatch.setattr(suites, "_hashers", {suites.DEFAULT: suites._hashers[suites.DEFAULT]})
    assert suites.digest("sm2-sm3", b"abc") == expected  # tongsuopy's
