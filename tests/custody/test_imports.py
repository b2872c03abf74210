"""Catalogue and staff-list imports: the shared samples, every bad-row case, all-or-nothing, the CLI."""
import csv
import hashlib
import json
from pathlib import Path

import openpyxl
import pytest

from app.custody.audit import verify_chain
from app.custody.imports import BATCH, run_import
from app.custody.models import AuditLog, Item, Location, Person, Site, Tag
from app.db import db
from tests import factories

SAMPLES = Path(__file__).resolve().parents[1] / "samples"  # the shared samples, kept with the tests
HEADER = "编号,档号,题名,页数,类型,RFID标签,位置"


def sample_rows(name):
    """(line, row dict) of a sample CSV, read independently of the importer."""
    with open(SAMPLES / name, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    return [(i, dict(zip(header, r, strict=False))) for i, r in enumerate(rows[1:], start=2)]


@pytest.fixture
def full_site(site):
    """The test site plus shelf KF-B-01: every location the samples name exists."""
    Location.create(site=site, code="KF-B-01", name="Shelf B-01", kind="shelf", parent=factories.loc("KF"))
    return site


@pytest.fixture
def bare_site(database):
    """A site whose storage room has no shelves: the samples' locations do not exist."""
    s = Site.create(code="S2", name="Bare site")
    Location.create(site=s, code="KF", name="库房", kind="storage")
    Location.create(site=s, code="WS-01", name="Workstation 1", kind="workstation")
    return s


def write_csv(tmp_path, text, name="list.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def errors_of(result):
    return [(e.line, e.message) for e in result.errors]


def nothing_imported():
    assert Item.select().count() == 0
    assert Tag.select().count() == 0
    assert AuditLog.select().where(AuditLog.action == "items.import").count() == 0


# ------------------------------------------------------------------ the shared samples


def test_catalogue_csv_sample_imports_every_row_with_generated_codes(full_site):
    rows = sample_rows("catalogue-zh.csv")
    result = run_import(SAMPLES / "catalogue-zh.csv", "items")

    assert result.ok, errors_of(result)
    assert result.imported == len(rows) == Item.select().count()
    blank = [r for _line, r in rows if not r["编号"]]
    assert result.generated == len(blank) > 0
    # blank codes continue after the highest code in the file, in file order
    highest = max(int(r["编号"][1:]) for _line, r in rows if r["编号"])
    for n, r in enumerate(blank, start=1):
        item = Item.get(Item.archive_no == r["档号"])
        assert item.code == f"V{highest + n:08d}"
    for _line, r in rows:
        item = Item.get(Item.archive_no == r["档号"])
        assert (item.title, item.pages, item.kind, item.state) == (r["题名"], int(r["页数"]), "volume", "in_storage")
        assert (item.location.code if item.location else "") == r["位置"]
        assert [t.tag for t in item.tags] == ([r["RFID标签"]] if r["RFID标签"] else [])


def test_catalogue_xlsx_sample_with_title_row_imports(full_site):
    result = run_import(SAMPLES / "catalogue-zh.xlsx", "items")

    assert result.ok, errors_of(result)
    assert result.header_line == 2  # the title row sits above the header
    assert result.imported == Item.select().count() == 40
    assert Item.get(Item.code == "V00000001").location.code == "KF-A-01"


def test_staff_sample_imports_with_pending_badges(full_site):
    result = run_import(SAMPLES / "staff-zh.csv", "people")

    assert result.ok, errors_of(result)
    people = {p.badge_code: p for p in Person.select()}
    assert len(people) == 5 == result.imported
    assert {p.badge_status for p in people.values()} == {"pending"}
    assert people["B00000001"].name == "张伟" and people["B00000001"].org_kind == "archive"
    assert people["B00000003"].org_kind == "service"
    assert Tag.get(Tag.tag == "4A0012F3B7").person.name == "张伟"


@pytest.mark.parametrize("name, offset", [("catalogue-zh.csv", 0), ("catalogue-zh.xlsx", 1)])
def test_sample_into_site_without_the_locations_reports_each_row_and_imports_nothing(bare_site, name, offset):
    expected = [(line + offset, f"Unknown location code {r['位置']}.")
                for line, r in sample_rows("catalogue-zh.csv") if r["位置"]]

    result = run_import(SAMPLES / name, "items")

    assert not result.ok
    assert errors_of(result) == expected
    assert len(expected) == 31
    nothing_imported()


def test_only_the_missing_shelf_is_reported(site):
    # the factory site has KF-A-01 and KF-A-02 but not KF-B-01
    expected = [line for line, r in sample_rows("catalogue-zh.csv") if r["位置"] == "KF-B-01"]
    result = run_import(SAMPLES / "catalogue-zh.csv", "items")
    assert [e.line for e in result.errors] == expected
    nothing_imported()


def test_importing_the_same_catalogue_twice_refuses_the_second_time(full_site):
    assert run_import(SAMPLES / "catalogue-zh.csv", "items").ok
    again = run_import(SAMPLES / "catalogue-zh.xlsx", "items")

    assert not again.ok
    # every row is a duplicate: by code where it has one, by archive number always
    assert {e.line for e in again.errors} == {line + 1 for line, _r in sample_rows("catalogue-zh.csv")}
    assert (3, "Code V00000001 is already in the database.") in errors_of(again)
    assert Item.select().count() == 40


# ------------------------------------------------------------------ encodings and layout


def test_gb18030_csv_without_bom(full_site, tmp_path):
    text = (SAMPLES / "catalogue-zh.csv").read_text(encoding="utf-8-sig")
    path = write_csv(tmp_path, text, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    result = run_import(path, "items")

    assert result.ok, errors_of(result)
    assert Item.get(Item.code == "V00000001").title == "会议纪要（第26次）"


def test_title_and_blank_rows_above_header_count_in_line_numbers(full_site, tmp_path):
    path = write_csv(tmp_path, "某某档案馆 案卷目录,,,\n\n,,,\n" + HEADER + "\n"
                     "V00000001,J1-0001,甲,10,卷宗,,KF-A-01\n"
                     "V00000002,J1-0002,乙,十页,卷宗,,KF-A-01\n")
    result = run_import(path, "items")
    assert result.header_line == 4
    assert errors_of(result) == [(6, "Pages must be a whole number (found 十页).")]
    nothing_imported()


def test_english_headers_any_case_and_spacing_and_tab_separated(full_site, tmp_path):
    path = write_csv(tmp_path, " Code \tARCHIVE_NO\tTitle\tpages\tKind\tTag\tLocation\tRemarks\n"
                     "\tJ9-1\tReport\t12\tmedia\te2801160600002000000000aa\tkf-a-02\tx\n"
                     "\tJ9-2\tScanner\t\t设备\t\t\t\n"
                     "\tJ9-3\tMinutes\t3\t\t\t\t\n")
    result = run_import(path, "items")
    assert result.ok, errors_of(result)
    assert result.ignored_columns == ["Remarks"]
    codes = {i.archive_no: (i.code, i.kind, i.location.code if i.location else None) for i in Item.select()}
    assert codes == {"J9-1": ("M00000001", "media", "KF-A-02"), "J9-2": ("D00000001", "device", None),
                     "J9-3": ("V00000001", "volume", None)}
    assert Tag.get().tag == "E2801160600002000000000AA"


def test_generated_codes_continue_after_the_highest_in_the_database(full_site, tmp_path):
    Item.create(code="V00000500", kind="volume", archive_no="OLD-1")
    Item.create(code="VX-LEGACY", kind="volume", archive_no="OLD-2")
    path = write_csv(tmp_path, HEADER + "\n,J1-1,甲,1,,,\nV00000007,J1-2,乙,2,,,\n,J1-3,丙,3,,,\n")
    assert run_import(path, "items").ok
    assert [i.code for i in Item.select().where(Item.archive_no.startswith("J1-")).order_by(Item.id)] == [
        "V00000501", "V00000007", "V00000502"]


def test_xlsx_numbers_and_blank_rows(full_site, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["案卷目录"])
    ws.append(["编号", "档号", "题名", "页数", "类型", "RFID标签", "位置"])
    ws.append([None, "J5-1", "甲", 12.0, "案卷", None, "KF-A-01"])
    ws.append([])
    ws.cell(row=6, column=2, value="J5-2")
    ws.cell(row=6, column=4, value="many")
    path = tmp_path / "list.xlsx"
    wb.save(path)

    result = run_import(path, "items")
    assert errors_of(result) == [(6, "Pages must be a whole number (found many).")]
    nothing_imported()


# ------------------------------------------------------------------ every bad row


ITEM_BAD_ROWS = [
    (",,甲,1,卷宗,,KF-A-01", "The archive number (档号) is missing."),
    (",J2-9,甲,三百,卷宗,,", "Pages must be a whole number (found 三百)."),
    (",J2-9,甲,-4,卷宗,,", "Pages must be a whole number (found -4)."),
    (",J2-9,甲,2.5,卷宗,,", "Pages must be a whole number (found 2.5)."),
    (",J2-9,甲,1,卷宗,,KF-Z-99", "Unknown location code KF-Z-99."),
    (",J2-9,甲,1,卷宗,,WS-01",
     "Location WS-01 is not a storage location in use: imported items start in storage."),
    (",J2-9,甲,1,照片,,", "Unknown kind 照片: write 卷宗 (volume), 介质 (media) or 设备 (device)."),
    (",,,,介质,,", "A medium or device needs a code or a title."),
    ("V0000/1,J2-9,甲,1,,,", "Code V0000/1 may hold only letters, digits, '-', '_' and '.'."),
    (",J2-9,甲,1,,E280-116G,", "RFID tag E280-116G is not hexadecimal (digits 0–9 and letters A–F only)."),
    ("V00000001,J2-9,甲,1,,,", "Code V00000001 appears twice in the file (first on line 2)."),
    ("v00000001,J2-9,甲,1,,,", "Code V00000001 appears twice in the file (first on line 2)."),
    (",J2-1,甲,1,,,", "Archive number J2-1 appears twice in the file (first on line 2)."),
    (",J2-9,甲,1,,e2801160600002000000aaaa,",
     "RFID tag E2801160600002000000AAAA appears twice in the file (first on line 2)."),
    ("V00000900,J2-9,甲,1,,,", "Code V00000900 is already in the database."),
    (",OLD-9,甲,1,,,", "Archive number OLD-9 is already in the database (item V00000900)."),
    (",J2-9,甲,1,,ABCDEF01,", "RFID tag ABCDEF01 is already bound to another item or person."),
    (",J2-9," + "长" * 2001 + ",1,,,", "The title is too long: at most 2000 characters."),
]


@pytest.mark.parametrize("bad, reason", ITEM_BAD_ROWS, ids=[r for _b, r in ITEM_BAD_ROWS])
def test_every_bad_item_row_is_reported_and_nothing_imported(full_site, tmp_path, bad, reason):
    existing = Item.create(code="V00000900", kind="volume", archive_no="OLD-9")
    Tag.create(tag="ABCDEF01", item=existing)
    path = write_csv(tmp_path, HEADER + "\n"
                     "V00000001,J2-1,甲,1,卷宗,E2801160600002000000AAAA,KF-A-01\n"
                     ",J2-2,乙,2,卷宗,,\n" + bad + "\n"
                     ",J2-4,丁,4,卷宗,,KF-A-02\n")

    result = run_import(path, "items")

    assert errors_of(result) == [(4, reason)]
    assert Item.select().count() == 1 and Tag.select().count() == 1
    assert AuditLog.select().count() == 0


PEOPLE_HEADER = "姓名,单位,工牌号,RFID标签,职务,org_kind"
PEOPLE_BAD_ROWS = [
    (",档案馆,B00000009,,,", "The name (姓名) is missing."),
    ("赵六,档案馆,B00000001,,,", "Badge code B00000001 appears twice in the file (first on line 2)."),
    ("赵六,档案馆,B00000777,,,", "Badge code B00000777 is already in the database."),
    ("赵六,档案馆,,4a0012f3b7,,", "RFID tag 4A0012F3B7 appears twice in the file (first on line 2)."),
    ("赵六,档案馆,,77AA,,", "RFID tag 77AA is already bound to another item or person."),
    ("赵六,档案馆,,,,合作方",
     "Unknown organisation kind 合作方: write 档案部门 (archive) or 服务机构 (service)."),
    ("赵六,档案馆,B 01/2,,,", "Badge code B 01/2 may hold only letters, digits, '-', '_' and '.'."),
]


@pytest.mark.parametrize("bad, reason", PEOPLE_BAD_ROWS, ids=[r for _b, r in PEOPLE_BAD_ROWS])
def test_every_bad_person_row_is_reported_and_nothing_imported(site, tmp_path, bad, reason):
    factories.person(badge_status="active", tag="77AA").update(badge_code="B00000777").execute()
    path = write_csv(tmp_path, PEOPLE_HEADER + "\n张伟,档案馆,B00000001,4A0012F3B7,,\n" + bad + "\n"
                     "王强,数字化服务公司,,,扫描员,乙方\n")

    result = run_import(path, "people")

    assert errors_of(result) == [(3, reason)]
    assert Person.select().count() == 1 and Tag.select().count() == 1


def test_people_generated_badges_and_org_kind(site, tmp_path):
    path = write_csv(tmp_path, PEOPLE_HEADER + "\n张伟,市档案馆,,,,\n王强,数字化服务公司,B00000041,,组长,\n"
                     "李娜,某公司,,,,甲方\n")
    assert run_import(path, "people").ok
    people = {p.name: p for p in Person.select()}
    assert (people["张伟"].badge_code, people["张伟"].org_kind) == ("B00000042", "archive")
    assert (people["王强"].badge_code, people["王强"].position, people["王强"].org_kind) == ("B00000041", "组长", "service")
    assert (people["李娜"].badge_code, people["李娜"].org_kind) == ("B00000043", "archive")


def test_several_errors_are_all_reported_in_line_order(full_site, tmp_path):
    path = write_csv(tmp_path, HEADER + "\n,,甲,x,怪,,NOPE\n,J3-1,乙,1,,,\n,J3-1,丙,1,,,\n")
    result = run_import(path, "items")
    assert errors_of(result) == [
        (2, "Unknown kind 怪: write 卷宗 (volume), 介质 (media) or 设备 (device)."),
        (2, "The archive number (档号) is missing."),
        (2, "Pages must be a whole number (found x)."),
        (2, "Unknown location code NOPE."),
        (4, "Archive number J3-1 appears twice in the file (first on line 3)."),
    ]
    nothing_imported()


# ------------------------------------------------------------------ whole-file problems


@pytest.mark.parametrize("name, content, reason", [
    ("list.xls", b"\xd0\xcf\x11\xe0", "list.xls is not a .csv or .xlsx file: save it as .xlsx (Excel 2007 or later) "
                                      "or as CSV and upload that."),
    ("list.txt", b"a,b", "list.txt is not a .csv or .xlsx file."),
    ("list.xlsx", b"not a zip", "The file is not a readable .xlsx workbook."),
    ("list.csv", "名称,备注\n甲,乙\n".encode(), "No header row found in the first 30 rows: expected columns such as "
                                               "编号 (code) / 档号 (archive_no) / 题名 (title) / 页数 (pages)."),
    ("list.csv", (HEADER + "\n\n").encode(), "The file holds a header row but no data rows."),
    ("list.csv", "档号,题名,Archive No\nJ1,甲,J1\n".encode(), "Two columns mean the same thing: archive_no."),
])
def test_unreadable_files_are_refused(full_site, tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    result = run_import(path, "items")
    assert [e.message for e in result.errors] == [reason]
    nothing_imported()


# ------------------------------------------------------------------ scale, progress, audit, races


def test_large_file_crosses_batches_with_progress_and_one_audit_entry(full_site, tmp_path):
    n = BATCH * 2 + 345
    lines = [HEADER] + [f",J8-{i:05d},题名{i},{i % 400},卷宗,{f'E28011606000020000{i:06X}' if i % 3 == 0 else ''},"
                        f"{'KF-A-01' if i % 2 else ''}" for i in range(n)]
    path = write_csv(tmp_path, "\n".join(lines) + "\n")
    seen = []

    result = run_import(path, "items", progress=lambda phase, done, total: seen.append((phase, done, total)))

    assert result.ok and result.imported == n == Item.select().count()
    assert Tag.select().count() == len(range(0, n, 3))
    tag = Tag.get(Tag.tag == f"E28011606000020000{999:06X}")
    assert tag.item.archive_no == "J8-00999"
    # validation then import, each counting up to every row
    assert seen[-1] == ("import", n, n)
    assert ("validate", n, n) in seen and ("import", 0, n) in seen
    assert [d for p, d, _t in seen if p == "import"] == sorted(d for p, d, _t in seen if p == "import")
    entry = AuditLog.get(AuditLog.action == "items.import")
    detail = json.loads(entry.detail)
    assert detail["count"] == n and detail["file"] == "list.csv"
    assert detail["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert verify_chain("audit").ok


def test_dry_run_checks_but_imports_nothing(full_site):
    result = run_import(SAMPLES / "catalogue-zh.csv", "items", dry_run=True)
    assert result.ok and result.rows == 40 and result.imported == 0
    nothing_imported()


def test_a_code_taken_between_check_and_import_rolls_everything_back(full_site, tmp_path):
    path = write_csv(tmp_path, HEADER + "\n,J4-1,甲,1,,,\nV00000002,J4-2,乙,2,,,\n")

    def sneak(phase, done, total):
        if phase == "import" and done == 0:  # another writer gets in first
            Item.create(code="V00000002", kind="volume", archive_no="OTHER")

    result = run_import(path, "items", progress=sneak)
    assert not result.ok
    assert "Nothing was imported" in result.errors[0].message
    assert [i.archive_no for i in Item.select()] == ["OTHER"]
    assert AuditLog.select().count() == 0


# ------------------------------------------------------------------ the command line


def test_cli_imports_with_progress_and_reports_errors_by_line(app, tmp_path):
    with app.app_context(), db.connection_context():
        factories.site()
    runner = app.test_cli_runner()

    bad = runner.invoke(args=["import", "items", "--lang", "en", str(SAMPLES / "catalogue-zh.csv")])
    assert bad.exit_code == 1
    missing = [line for line, r in sample_rows("catalogue-zh.csv") if r["位置"] == "KF-B-01"]
    assert [ln for ln in bad.output.splitlines() if ln.startswith("line ")] == [
        f"line {n}: Unknown location code KF-B-01." for n in missing]
    assert "nothing was imported" in bad.output

    with app.app_context(), db.connection_context():
        Location.create(site=Site.get(), code="KF-B-01", name="B-01", kind="shelf", parent=factories.loc("KF"))
    dry = runner.invoke(args=["import", "items", "--dry-run", "--lang", "en", str(SAMPLES / "catalogue-zh.xlsx")])
    assert dry.exit_code == 0 and "40 rows checked: no errors" in dry.output
    ok = runner.invoke(args=["import", "items", "--lang", "en", str(SAMPLES / "catalogue-zh.xlsx")])
    assert ok.exit_code == 0, ok.output
    assert "Imported 40 items from catalogue-zh.xlsx (10 codes generated)." in ok.output
    assert "Checking" in ok.output and "Importing" in ok.output  # the progress bars' labels

    people = runner.invoke(args=["import", "people", "--lang", "zh_CN", str(SAMPLES / "staff-zh.csv")])
    assert people.exit_code == 0, people.output
    assert "导入" in people.output
    with app.app_context(), db.connection_context():
        assert Item.select().count() == 40 and Person.select().count() == 5


def test_cli_prints_chinese_reasons(app, tmp_path):
    with app.app_context(), db.connection_context():
        factories.site()
    path = write_csv(tmp_path, HEADER + "\n,J1,甲,abc,,,\n")
    result = app.test_cli_runner().invoke(args=["import", "items", "--quiet", "--lang", "zh_CN", str(path)])
    assert result.exit_code == 1
    assert "第 2 行：页数必须是整数（实际为 abc）。" in result.output


