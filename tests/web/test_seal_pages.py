"""The seal where people see it: the audit page shows the key fingerprint and the checkpoints (and a broken
seal), and the overnight report prints the night's checkpoint as a short code and a QR code that verifies."""
from datetime import timedelta

import pytest
import zxingcpp

from app.custody import seal
from app.custody.models import Checkpoint
from app.custody.nights.sweep import sweep_night
from app.db import db, is_sqlite
from tests import factories as f
from tests.alerts.helpers import CUTOFF, NIGHT, out, person
from tests.alerts.helpers import site as night_site
from tests.labels.helpers import pages, text_of


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def swept(app, database):
    """A sealed site whose night was swept (the sweep seals the day's checkpoint)."""
    seal.ensure_key()
    s = night_site()
    seal.seal(CUTOFF - timedelta(days=2), reason="init")
    vol = f.item()
    out(vol, person("王五"), CUTOFF - timedelta(hours=2))
    report = sweep_night(s, NIGHT, now=CUTOFF + timedelta(minutes=30))
    assert report.checkpoint_id == 2
    return s


def test_nightly_sweep_seals_the_day(swept):
    cp = Checkpoint.get_by_id(2)
    assert cp.reason == "nightly" and cp.event_last_id == 1 and cp.at == CUTOFF + timedelta(minutes=30)
    assert seal.verify().ok


def test_overnight_report_prints_the_checkpoint_code_and_a_qr_that_verifies(client, login, swept):
    login("supervisor")
    response = client.get(f"/alerts/report.pdf?night={NIGHT.isoformat()}")
    assert response.status_code == 200
    cp = Checkpoint.get_by_id(2)
    text = "".join(text_of(response.data))
    assert seal.short_code(cp) in text and seal.public_key_fingerprint() in text
    found = [r.text for r in zxingcpp.read_barcodes(pages(response.data, 200)[0])]
    assert found == [seal.paper_text(cp)]
    assert seal.verify_paper(found[0]) == (True, "checkpoint #2 matches")


def test_audit_page_shows_fingerprint_and_checkpoints(client, login, swept):
    login("auditor")
    page = client.get("/audit/").get_data(as_text=True)
    assert seal.public_key_fingerprint() in page
    assert seal.short_code(Checkpoint.get_by_id(2)) in page
    assert "Checkpoints: 2, all signed by this key" in page


def test_audit_page_names_a_rehashed_row(client, login, swept):
    login("auditor")
    if is_sqlite():
        db.execute_sql("DROP TRIGGER event_no_update")
    else:
        db.execute_sql("ALTER TABLE event DISABLE TRIGGER USER")
    try:
        from tests.custody.test_seal import rehash

        with db.atomic():
            db.execute_sql("UPDATE event SET note = 'forged' WHERE id = 1")
            rehash("event")
        page = client.get("/audit/").get_data(as_text=True)
        assert "BROKEN at row 1" in page and "its seal signature does not match" in page
    finally:
        if not is_sqlite():
            db.connect(reuse_if_open=True)
            db.execute_sql("ALTER TABLE event ENABLE TRIGGER USER")
