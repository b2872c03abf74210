"""The completion bundle: exported from a real database, checked offline, and every kind of tampering refused."""
import json
import zipfile

import pytest
from click.testing import CliRunner

from app.cli import main
from app.custody import audit, completion, seal, services, signing
from app.custody.completion import rows as R
from app.custody.models import Event, Item
from tests import factories as f


@pytest.fixture
def project(app, site, tmp_path):
    """A small project on a sealed log (as `custody init-db` leaves a site): six volumes that went out and
    came back, a damage note, admin-log rows, a checkpoint at the start and one at the end."""
    seal.ensure_key()
    seal.seal(reason="init")
    op, archivist = f.person("王强"), f.person("张伟")
    for n in range(6):
        vol = f.item(title=f"会议纪要，第{n}卷")
        services.check_out(vol, to=f.loc("WS-01"), holder=op, actor=archivist) if False else \
            services.check_out(vol.code, to=f.loc("WS-01"), holder=op, actor=archivist)
        if n % 2:
            services.record_damage(vol.code, actor=op, description="封面破损, \"quoted\"\nsecond line")
        services.return_to_storage(vol.code, to=f.loc("KF-A-02"), actor=op)
    audit.append_audit("site.settings", target="night rule", detail={"cutoff": "18:30"}, at=Event.get().at)
    key_dir = tmp_path / "instance"
    signing.ensure_key(key_dir)
    return {"key_dir": key_dir, "public": signing.public_pem(key_dir)}


def export(project, tmp_path, name="bundle.zip"):
    path = tmp_path / name
    completion.export_project(path, site_name="Test site", signer=signing.signer(project["key_dir"]))
    return path


def rewrite(path, member, change):
    """A copy of the bundle with one member's text changed by change(text) -> text; other bytes untouched."""
    out = path.with_name("tampered.zip")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == member:
                data = change(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info.filename, data)
    return out


def lines_op(op):
    """A change on a data file's rows (parsed as CSV or JSON Lines; header kept): edit, delete, insert or
    reorder the third row — as someone with a spreadsheet or an editor would."""
    def on_rows(body):
        if op == "edit":  # one cell: the first text value gets an "x"
            if isinstance(body[2], list):
                body[2] = list(body[2])
                col = next(i for i, c in enumerate(body[2]) if c and not c.isdigit())
                body[2][col] += "x"
            else:
                obj = json.loads(body[2])
                key = next(k for k, v in obj.items() if isinstance(v, str) and v)
                obj[key] += "x"
                body[2] = R.canonical(obj) + "\n"
        elif op == "delete":
            del body[2]
        elif op == "insert":
            body.insert(2, body[1])
        elif op == "reorder":
            body[2], body[3] = body[3], body[2]
        return body

    def change(text):
        if text.startswith(R.BOM):
            header, body = R.read_csv(text)
            return R.BOM + R.csv_lines([header] + on_rows(body))
        return "".join(on_rows(text.splitlines(keepends=True)))
    return change


def test_an_exported_bundle_verifies_offline_with_the_sites_public_key(project, tmp_path):
    path = export(project, tmp_path)
    report = completion.verify_bundle(path, project["public"])
    assert report.ok, [str(p) for p in report.problems]
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        events_csv = zf.read("data/event.csv").decode("utf-8")
        users = zf.read("data/app_user.csv").decode("utf-8")
    # every register as CSV (with BOM, so Excel reads Chinese) and JSON Lines, the manifest, its signature
    assert {"data/event.csv", "data/event.jsonl", "data/audit_log.csv", "data/item.csv", "data/person.csv",
            "manifest.json", "manifest.sig", "public_key.pem"} <= names
    assert events_csv.startswith(R.BOM) and "会议纪要" not in events_csv  # titles live in item.csv
    header = events_csv.removeprefix(R.BOM).splitlines()[0].split(",")
    assert {"id", "prev_hash", "hash", "item_id", "at", "kind", "client_id"} <= set(header)
    assert manifest["chains"]["event"]["last_id"] == Event.select().count() == 15
    assert "password_hash" not in users  # secrets never leave the site
    assert report.rows >= Event.select().count() + Item.select().count()


@pytest.mark.parametrize("member", ["data/event.csv", "data/event.jsonl", "data/item.csv", "data/audit_log.jsonl"])
@pytest.mark.parametrize("op,word", [("edit", "changed"), ("delete", "removed"), ("insert", "added"),
                                     ("reorder", "reordered")])
def test_a_tampered_row_is_refused_naming_the_file_and_row(project, tmp_path, member, op, word):
    path = export(project, tmp_path)
    if member == "data/audit_log.jsonl":  # one admin row only: add some so there is a row 3 and 4
        for n in range(4):
            audit.append_audit("site.settings", target=f"t{n}", at=Event.get().at)
        path = export(project, tmp_path)
    report = completion.verify_bundle(rewrite(path, member, lines_op(op)), project["public"])
    assert not report.ok
    hit = [p for p in report.problems if p.file == member]
    assert hit and hit[0].row == 3 and word in hit[0].what, [str(p) for p in report.problems]


def test_a_bundle_signed_with_another_key_is_refused(project, tmp_path):
    other = tmp_path / "other-key"
    signing.ensure_key(other)
    path = tmp_path / "forged.zip"
    completion.export_project(path, signer=signing.signer(other))
    report = completion.verify_bundle(path, project["public"])
    assert not report.ok and any("another key" in p.what for p in report.problems)
    # without the site's key the forger's own key checks the manifest, but not the site's signed checkpoints
    alone = completion.verify_bundle(path)
    assert not alone.ok and any("another key" in p.what for p in alone.problems)
    assert alone.fingerprint == signing.fingerprint(signing.public_pem(other))


def test_a_resigned_manifest_with_rehashed_files_is_still_refused_by_the_sites_key(project, tmp_path):
    path = export(project, tmp_path)
    forged = tmp_path / "other"
    signing.ensure_key(forged)
    sign = signing.signer(forged)
    out = tmp_path / "resigned.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for info in src.infolist():
            if info.filename not in ("manifest.json", "manifest.sig", "public_key.pem"):
                dst.writestr(info.filename, src.read(info.filename))
        body = json.dumps(manifest).encode()
        sig, pub = sign(body)
        dst.writestr("manifest.json", body)
        dst.writestr("manifest.sig", sig)
        dst.writestr("public_key.pem", pub)
    report = completion.verify_bundle(out, project["public"])
    assert not report.ok and any(p.file == "manifest.sig" for p in report.problems)


def test_added_and_removed_files_are_named(project, tmp_path):
    path = export(project, tmp_path)
    out = tmp_path / "changed.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != "data/person.jsonl":
                dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("data/extra.csv", "x\n")
    problems = {p.file: p.what for p in completion.verify_bundle(out, project["public"]).problems}
    assert "removed" in problems["data/person.jsonl"] and "added" in problems["data/extra.csv"]


def test_a_chain_recomputed_inside_the_bundle_is_refused(project, tmp_path):
    """Someone rewrites event 3 and recomputes every later hash, the row-hash lists and file hashes, but cannot sign."""
    path = export(project, tmp_path)
    with zipfile.ZipFile(path) as zf:
        rows = [json.loads(line) for line in zf.read("data/event.jsonl").decode().splitlines()]
    rows[2]["note"] = "rewritten"
    prev = audit.GENESIS
    for row in rows:
        values = {fld: row[fld + "_id" if fld in ("item", "actor", "user", "holder", "src", "dst", "reader") else fld]
                  for fld in audit.EVENT_FIELDS}
        row["prev_hash"] = prev
        row["hash"] = prev = audit.row_hash(row["id"], prev, values, audit.EVENT_FIELDS)
    out = rewrite(path, "data/event.jsonl", lambda _t: "".join(R.canonical(r) + "\n" for r in rows))
    report = completion.verify_bundle(out, project["public"])
    assert not report.ok
    assert any(p.file == "data/event.jsonl" and p.row == 3 for p in report.problems)


def test_cli_exports_and_verifies_and_verify_needs_no_app_or_secret(app, project, tmp_path, monkeypatch):
    from app.custody import signing as s

    s.ensure_key(app.instance_path)
    out = tmp_path / "cli.zip"
    result = app.test_cli_runner().invoke(args=["export-project", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "signed" in result.output and "NOT" not in result.output
    with zipfile.ZipFile(out) as zf:  # the acceptance record travels in the bundle, covered by the manifest
        assert zf.read("documents/acceptance-record.pdf").startswith(b"%PDF")
    # offline: no secret key, no database URL, no instance folder
    for var in ("CUSTODY_SECRET_KEY", "CUSTODY_DATABASE_URL", "FLASK_APP"):
        monkeypatch.delenv(var, raising=False)
    pub = tmp_path / "site.pub.pem"
    pub.write_bytes(s.public_pem(app.instance_path))
    good = CliRunner().invoke(main, ["verify-bundle", str(out), "--public-key", str(pub)])
    assert good.exit_code == 0 and "intact" in good.output, good.output
    bad = CliRunner().invoke(main, ["verify-bundle", str(rewrite(out, "data/item.csv", lines_op("edit"))),
                                    "--public-key", str(pub)])
    assert bad.exit_code == 1 and "REFUSED data/item.csv row 3: changed" in bad.output


def test_a_non_zip_is_refused_with_a_sentence(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    report = completion.verify_bundle(junk)
    assert not report.ok and "not a readable zip" in report.problems[0].what
