"""The security officer's pages and the API: the waiting filter and dashboard count, recording vetting,
badge actions with their refusals, the register with CSV/PDF export, leaving, the void card."""
import csv
import io
from datetime import timedelta

import pypdfium2 as pdfium
import pytest

from app.custody import clock, people
from app.custody.models import Person
from app.custody.people.models import PersonnelChange
from tests import factories
from tests.people.helpers import vet_fully


def _pdf_text(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


@pytest.fixture
def officer(site, login):
    return login("security_officer")


def test_waiting_filter_dashboard_count_and_recording_items(officer, client, post):
    waiting = factories.person("赵六", badge_status="pending")
    factories.person("钱七", badge_status="active")
    assert 'data-stat="waiting_vetting">1<' in client.get("/").get_data(as_text=True)
    page = client.get("/people?status=waiting").get_data(as_text=True)
    assert "赵六" in page and "钱七" not in page
    day = (clock.now().date() - timedelta(days=2)).isoformat()
    resp = post(f"/people/{waiting.id}/vetting", {"item": "training", "done_on": day, "hours": "12",
                                                  "reference": "TR-7"}, token_from=f"/people/{waiting.id}/vetting")
    assert resp.status_code == 302
    page = client.get(f"/people/{waiting.id}/vetting").get_data(as_text=True)
    assert "TR-7" in page and "培训学时不足" in page  # shown plainly: too few hours
    # activation refused, naming what is missing, in the user's language
    resp = post(f"/people/{waiting.id}/badge", {"action": "activate"}, token_from=f"/people/{waiting.id}/vetting")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "身份核验 (未记录)" in page and "保密协议已签署 (未记录)" in page
    assert Person.get_by_id(waiting.id).badge_status == "pending"
    # a bad date is refused and changes nothing
    before = PersonnelChange.select().count()
    post(f"/people/{waiting.id}/vetting", {"item": "identity", "done_on": "31/02/2026"},
         token_from=f"/people/{waiting.id}/vetting")
    assert PersonnelChange.select().count() == before


def test_activate_print_and_lost_through_the_pages(officer, client, post):
    who = factories.person("孙八", badge_status="pending")
    vet_fully(who)
    assert b"VOID" not in client.get(f"/people/{who.id}/card.pdf").data  # pending: no card, a message
    void = client.get(f"/people/{who.id}/card.pdf?void=1")
    assert void.mimetype == "application/pdf" and "VOID" in _pdf_text(void.data)
    post(f"/people/{who.id}/badge", {"action": "activate"}, token_from=f"/people/{who.id}/vetting")
    assert Person.get_by_id(who.id).badge_status == "active"
    card = client.get(f"/people/{who.id}/card.pdf")
    assert card.mimetype == "application/pdf" and "VOID" not in _pdf_text(card.data)
    old = who.badge_code
    resp = post(f"/people/{who.id}/badge", {"action": "lost"}, token_from=f"/people/{who.id}/vetting")
    assert "print=1" in resp.headers["Location"]
    new = Person.get_by_id(who.id).badge_code
    assert new != old and new in _pdf_text(client.get(f"/people/{who.id}/card.pdf").data)


def test_register_filters_and_exports(officer, client, post):
    who = factories.person("周九", badge_status="pending")
    vet_fully(who)
    people.activate(who)
    people.suspend(who, reason="证件过期")
    rows = client.get("/people/changes?kind=badge_suspended").get_data(as_text=True)
    assert "证件过期" in rows and "REF-identity" not in rows
    data = client.get("/people/changes?format=csv&q=周九").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(data.lstrip("\ufeff"))))
    assert table[0][0] == "时间" and len(table) == 1 + 5 + 1 + 1  # header, 5 items, activated, suspended
    english = client.get("/people/changes?format=pdf&kind=badge_suspended", headers={"Accept-Language": "en"})
    text = _pdf_text(english.data)
    assert "Personnel change register" in text and "Badge suspended" in text
    assert "人员变更登记" in _pdf_text(client.get("/people/changes?format=pdf").data)
    assert client.get("/people/changes?kind=nonsense").status_code == 200  # refused filter: a message, no 500


def test_leaving_page_lists_what_to_hand_back(officer, client, post):
    who = factories.person("吴十")
    volume = factories.item()
    from app.custody import services as custody

    custody.check_out(volume.code, to=factories.loc("WS-01"), holder=who, actor=who)
    page = client.get(f"/people/{who.id}/vetting").get_data(as_text=True)
    assert volume.code in page
    resp = post(f"/people/{who.id}/leave", {"reason": "离职"}, token_from=f"/people/{who.id}/vetting")
    assert volume.code in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert Person.get_by_id(who.id).left_on is None


def test_api_list_get_vetting_and_badge(officer, client):
    token = client.get("/account").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    headers = {"X-CSRFToken": token}
    who = factories.person("郑一", badge_status="pending")
    listed = client.get("/api/v1/people?status=waiting").get_json()
    assert [p["badge_code"] for p in listed["people"]] == [who.badge_code]
    assert client.get("/api/v1/people?status=bogus").status_code == 422
    body = client.get(f"/api/v1/people/{who.badge_code}").get_json()
    assert body["vetting"]["complete"] is False and len(body["vetting"]["missing"]) == 5
    refused = client.post(f"/api/v1/people/{who.badge_code}/badge", json={"action": "activate"}, headers=headers)
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "vetting_incomplete"
    day = clock.now().date().isoformat()
    for item in ("identity", "no_criminal_record", "labour_contract", "confidentiality"):
        ok = client.post(f"/api/v1/people/{who.badge_code}/vetting", json={"item": item, "done_on": day},
                         headers=headers)
        assert ok.status_code == 201
    bad = client.post(f"/api/v1/people/{who.badge_code}/vetting", json={"item": "training", "done_on": day},
                      headers=headers)
    assert bad.status_code == 422
    client.post(f"/api/v1/people/{who.badge_code}/vetting", json={"item": "training", "done_on": day, "hours": 40},
                headers=headers)
    done = client.post(f"/api/v1/people/{who.badge_code}/badge", json={"action": "activate"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["badge_status"] == "active"
    lost = client.post(f"/api/v1/people/{who.badge_code}/badge", json={"action": "lost"}, headers=headers)
    assert lost.get_json()["badge_code"] != who.badge_code
    assert client.get(f"/api/v1/people/{who.badge_code}").status_code == 404
