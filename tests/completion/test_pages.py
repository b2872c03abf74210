"""The inspection pages, the acceptance page and record, and the bundle export from the auditor's page."""
import time
import zipfile

import pypdfium2 as pdfium

from app.custody import completion, seal, signing
from app.custody.completion.codes import CHECKS
from app.custody.completion.models import Inspection
from app.db import db
from tests import factories as f


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    return "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def test_the_security_officer_records_an_inspection_and_a_bad_form_changes_nothing(app, client, login, post, site):
    login("security_officer")
    page = client.get("/inspections").get_data(as_text=True)
    assert "巡查" in page or "Inspections" in page
    form = {f"result-{c}": "ok" for c in CHECKS}
    form["result-port_seals"] = "finding"
    response = post("/inspections/new", form, token_from="/inspections/new")
    assert response.status_code == 422
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert Inspection.select().count() == 0
    form["note-port_seals"] = "WS-02 封条破损"
    form["follow_up"] = "已更换封条 000124"
    response = post("/inspections/new", form, token_from="/inspections/new")
    assert response.status_code == 302
    page = client.get("/inspections").get_data(as_text=True)
    assert "WS-02 封条破损" in page and "已更换封条 000124" in page


def test_a_malformed_date_is_refused_in_the_users_language(client, login, post, site):
    login("security_officer")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    post("/lang/en", {"next": "/"})
    response = post("/inspections/playback", {"cameras": "CAM-1", "period_from": "yesterday", "period_to": ""},
                    token_from="/inspections/playback")
    assert response.status_code == 422
    assert "Give a date and time such as 2027-03-01 09:30." in response.get_data(as_text=True)


def test_the_acceptance_record_prints_every_item_and_three_signature_blocks(app, client, login, post, site):
    with app.app_context():
        db.connect(reuse_if_open=True)
        f.item()  # one volume in storage: that item is met
    login("auditor")
    page = client.get("/completion").get_data(as_text=True)
    assert page.count('class="card') >= len(completion.codes.ACCEPTANCE_ITEMS)
    zh = pdf_text(client.get("/completion/acceptance.pdf").data)
    assert "专项安全验收记录" in zh and "档案行政管理部门" in zh and "数字化服务机构" in zh
    post("/lang/en", {"next": "/"})
    en = pdf_text(client.get("/completion/acceptance.pdf").data)
    assert "Special security acceptance record" in en
    for title in ("Every volume is back in storage", "Both logs verify", "Every video period has a playback check"):
        assert title in en
    assert en.count("Not met") >= 1 and "Archive administration" in en


def test_the_auditor_exports_the_bundle_from_the_page_and_it_verifies(app, client, login, post, site, tmp_path):
    with app.app_context():
        db.connect(reuse_if_open=True)
        seal.ensure_key()
        seal.seal(reason="init")
    login("auditor")
    response = post("/completion/bundle", token_from="/completion")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    for _ in range(200):  # the export runs in a background thread: wait for its status file to say done
        page = client.get(job_url).get_data(as_text=True)
        if "/download" in page:
            break
        time.sleep(0.05)
    download = client.get(job_url + "/download")
    assert download.status_code == 200
    bundle = tmp_path / "from-page.zip"
    bundle.write_bytes(download.data)
    assert zipfile.is_zipfile(bundle)
    report = completion.verify_bundle(bundle, signing.public_pem(app.instance_path))
    assert report.ok, [str(p) for p in report.problems]
    assert client.get("/completion/bundle/../../etc").status_code == 404
