"""`custody people …` as an operator scripts it, and `custody demo` still built in one command with every
demo badge vetted and recorded in the register."""
from datetime import timedelta

import pypdfium2 as pdfium

from app.custody import clock
from app.custody.models import Person
from app.custody.people import acceptance_open
from app.custody.people.models import PersonnelChange
from app.db import db
from tests import factories


def _runner(app):
    def run(args):
        result = app.test_cli_runner().invoke(args=args)
        db.connect(reuse_if_open=True)  # the command closes the test's connection when it ends
        return result

    return run


def test_vet_activate_list_and_export(app, site, tmp_path):
    who = factories.person("刘一", badge_status="pending", org_kind="archive")
    run = _runner(app)
    waiting = run(["people", "list", "--status", "waiting"])
    assert who.badge_code in waiting.output and "identity" in waiting.output
    refused = run(["people", "badge", who.badge_code, "activate"])
    assert refused.exit_code == 2 and "Identity checked (not recorded)" in refused.output
    day = (clock.now().date() - timedelta(days=1)).isoformat()
    for item in ("identity", "no_criminal_record", "confidentiality"):
        assert run(["people", "vet", who.badge_code, item, "--date", day]).exit_code == 0
    assert run(["people", "vet", who.badge_code, "training", "--date", day, "--hours", "40"]).exit_code == 0
    assert run(["people", "vet", who.badge_code, "training", "--date", "soon"]).exit_code == 2
    done = run(["people", "badge", who.badge_code, "activate"])
    assert done.exit_code == 0 and "active" in done.output
    lost = run(["people", "badge", who.badge_code, "lost"])
    new_code = lost.output.split()[0]
    assert new_code != who.badge_code and Person.get_by_id(who.id).badge_code == new_code
    out = tmp_path / "changes.pdf"
    result = run(["people", "export", "--format", "pdf", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(pdfium.PdfDocument(out.read_bytes())[0].get_textpage().get_text_range().split())
    assert "Personnel change register" in text and "Badge lost, new badge issued" in text
    csv_out = tmp_path / "changes.csv"
    run(["people", "export", "-o", str(csv_out)])
    assert "工作证挂失并补发" in csv_out.read_text(encoding="utf-8-sig")


def test_demo_vets_its_staff_through_the_services(app, database):
    result = _runner(app)(["demo"])
    assert result.exit_code == 0, result.output
    assert Person.select().where(Person.badge_status == "active").count() == Person.select().count()
    assert PersonnelChange.select().where(PersonnelChange.kind == "badge_activated").count() == Person.select().count()
    assert acceptance_open()[0] == 0
