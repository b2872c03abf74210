"""/api/v1/imports: a catalogue uploaded as a job, checked first, re-imported with existing=update."""
import io

from app.custody.models import AuditLog, Item
from app.db import db

HEADER = "编号,档号,题名,页数,类型,RFID标签,位置\n"


def post(client, token, text, lang="en", **form):
    data = {"file": (io.BytesIO(text.encode("utf-8")), "catalogue.csv"), **form}
    return client.post("/api/v1/imports/items", data=data, content_type="multipart/form-data",
                       headers={"Authorization": f"Bearer {token}", "Accept-Language": lang})


def test_update_existing_through_the_api_previews_then_applies(app, client, world):
    first = post(client, world.arch_token, HEADER + "API00001,J7-1,甲,1,,,KF-A-01\nAPI00002,J7-2,乙,2,,,KF-A-01\n")
    assert first.status_code == 201 and first.json["status"] == "done" and first.json["added"] == 2

    again = HEADER + "API00001,J7-1,甲（改）,1,,,KF-A-02\nAPI00002,J7-2,乙,2,,,KF-A-01\nAPI00003,J7-3,丙,3,,,\n"
    preview = post(client, world.arch_token, again, existing="update", dry_run="true")
    assert preview.status_code == 201, preview.json
    body = preview.json
    assert (body["dry_run"], body["existing"], body["added"], body["updated"], body["unchanged"]) == (
        True, "update", 1, 1, 1)
    assert body["changes"] == [{"line": 2, "code": "API00001", "fields": {
        "title": {"old": "甲", "new": "甲（改）"}, "home": {"old": "KF-A-01", "new": "KF-A-02"}}}]

    done = post(client, world.arch_token, again, existing="update")
    assert done.status_code == 201 and (done.json["added"], done.json["updated"], done.json["unchanged"]) == (1, 1, 1)
    fetched = client.get(f"/api/v1/imports/items/jobs/{done.json['id']}",
                         headers={"Authorization": f"Bearer {world.arch_token}"})
    assert fetched.status_code == 200 and fetched.json["updated"] == 1
    with app.app_context(), db.connection_context():
        assert Item.get(Item.code == "API00001").title == "甲（改）"
        assert AuditLog.select().where(AuditLog.action == "item.catalogue").count() == 1


def test_refusals_are_clear_in_the_callers_language(client, world):
    bad = post(client, world.arch_token, HEADER + "API00009,J7-9,甲,1,,,\n", existing="merge")
    assert bad.status_code == 422 and bad.json["error"]["field"] == "existing"
    missing = client.post("/api/v1/imports/items", data={}, content_type="multipart/form-data",
                          headers={"Authorization": f"Bearer {world.arch_token}"})
    assert missing.status_code == 422 and missing.json["error"]["field"] == "file"
    post(client, world.arch_token, HEADER + "API00009,J7-9,甲,1,,,\n")
    refused = post(client, world.arch_token, HEADER + "API00009,J7-9,甲,1,,,\n", lang="zh-CN")
    assert refused.status_code == 201 and refused.json["status"] == "failed"
    assert refused.json["errors"][0] == {"line": 2, "message": "编号 API00009 已存在于系统中。"}
    assert client.get("/api/v1/imports/items/jobs/999999",
                      headers={"Authorization": f"Bearer {world.arch_token}"}).status_code == 404
    # the operator may not import
    assert post(client, world.op_token, HEADER + "API00010,J7-10,甲,1,,,\n").status_code == 403


def test_a_staff_list_offers_no_update_at_any_door(app, client, tmp_path):
    """The page, the API and the command line offer what the import service accepts (imports.existing_choices)."""
    from app.custody import accounts
    from tests import factories as f

    with app.app_context(), db.connection_context():
        f.site()
        token = accounts.create_token(f.user("security_officer"), "desk", by=None)[1]
    staff = {"file": (io.BytesIO("姓名,单位\n甲,档案馆\n".encode()), "staff.csv"), "existing": "update"}
    refused = client.post("/api/v1/imports/people", data=staff, content_type="multipart/form-data",
                          headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
    assert refused.status_code == 422 and refused.json["error"]["field"] == "existing"
    path = tmp_path / "staff.csv"
    path.write_text("姓名,单位\n甲,档案馆\n", encoding="utf-8")
    cli = app.test_cli_runner().invoke(args=["import", "people", "--existing", "update", str(path)])
    assert cli.exit_code == 2 and "'update' is not one of 'error', 'skip'" in cli.output
    with app.app_context(), db.connection_context():
        from app.custody.models import Person

        assert Person.select().count() == 1  # only the security officer: nothing was imported
