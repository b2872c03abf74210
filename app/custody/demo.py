"""The demo site: a storage room with shelves, a workroom with workstations, doors, ~50 volumes,
media, a device, staff of both organisations and one login per role. Built once; kept after."""
import secrets
from datetime import timedelta

from app.db import write_tx

from . import accounts, clock, services
from .models import Item, Location, Person, Site, Tag, User
from .people import activate, mark_joined, record_vetting

DEMO_SITE = "DEMO"
DEMO_USERS = (  # username, role, badge of the linked person
    ("operator", "operator", "B00000003"),
    ("archivist", "archivist", "B00000001"),
    ("supervisor", "supervisor", "B00000006"),
    ("security", "security_officer", "B00000007"),
    ("auditor", "auditor", "B00000008"),
    ("admin", "administrator", None),
)
PEOPLE = (  # name, organisation, org kind, position, badge, 125 kHz tag
    ("张伟", "档案馆", "archive", "档案管理员", "B00000001", "62E3086CED"),
    ("李娜", "档案馆", "archive", "档案管理员", "B00000002", "01000734E0"),
    ("王强", "数字化服务公司", "service", "扫描操作员", "B00000003", "0500207B32"),
    ("刘洋", "数字化服务公司", "service", "扫描操作员", "B00000004", "0F0184F07A"),
    ("陈静", "数字化服务公司", "service", "图像处理员", "B00000005", "4A0012F3B9"),
    ("杨帆", "数字化服务公司", "service", "项目负责人", "B00000006", "4A0012F3BA"),
    ("赵敏", "数字化服务公司", "service", "保密员", "B00000007", None),
    ("孙丽", "档案馆", "archive", "审计员", "B00000008", None),
)
TITLES = ("会议纪要", "合同协议书", "年度工作总结报告", "党委会议记录", "人事任免通知", "财务审计报告",
          "基建工程档案", "文书处理单", "来文登记簿", "科研项目验收材料")


def _otp() -> str:
    return secrets.token_urlsafe(9)


def _locations(site: Site) -> dict[str, Location]:
    spec = [  # code, name, kind, parent
        ("SITE", "演示档案馆 Demo archive", "site", None),
        ("KF", "库房 Storage room", "storage", "SITE"),
        ("KF-A-01", "A列01架 Shelf A-01", "shelf", "KF"),
        ("KF-A-02", "A列02架 Shelf A-02", "shelf", "KF"),
        ("KF-B-01", "B列01架 Shelf B-01", "shelf", "KF"),
        ("JG", "加工场所 Workroom", "workroom", "SITE"),
        ("WS-01", "扫描工位1 Scan station 1", "workstation", "JG"),
        ("WS-02", "扫描工位2 Scan station 2", "workstation", "JG"),
        ("WS-03", "图像处理工位 Image station", "workstation", "JG"),
        ("DOOR-1", "大门 Main door", "door", "SITE"),
        ("DOOR-KF", "库房门 Storage door", "door", "SITE"),
    ]
    made: dict[str, Location] = {}
    for code, name, kind, parent in spec:
        made[code] = Location.create(site=site, code=code, name=name, kind=kind,
                                     parent=made.get(parent) if parent else None)
    return made


def build_demo() -> tuple[bool, list[tuple[str, str, str | None]]]:
    """Create the demo site if absent. Returns (created, [(username, role, one-time password or None)]).

    On a second run nothing is changed except that demo accounts whose one-time password was
    never replaced get a fresh one (the old one was printed to someone else's terminal).
    """
    created = Site.get_or_none(Site.code == DEMO_SITE) is None
    passwords: dict[str, str] = {}
    if created:
        today = clock.now().date()
        with write_tx():
            site = Site.create(code=DEMO_SITE, name="演示档案数字化项目 Demo digitization project")
            locs = _locations(site)
            people = {}
            for name, org, org_kind, position, badge, tag in PEOPLE:
                people[badge] = Person.create(
                    name=name, organisation=org, org_kind=org_kind, position=position, badge_code=badge,
                    badge_status="pending")
                if tag:
                    Tag.create(tag=tag, person=people[badge])
                # vetted and activated through the people area's services, so the register has every change
                mark_joined(people[badge])
                for item, days in (("identity", 42), ("no_criminal_record", 40), ("labour_contract", 38),
                                   ("confidentiality", 35), ("training", 32)):
                    record_vetting(people[badge], item, done_on=today - timedelta(days=days),
                                           reference=f"DEMO-{badge}-{item}",
                                           hours=40 if item == "training" else None)
                people[badge] = activate(people[badge], valid_from=today - timedelta(days=30),
                                                 valid_until=today + timedelta(days=365))
            shelves = [locs["KF-A-01"], locs["KF-A-02"], locs["KF-B-01"]]
            for n in range(1, 51):
                year = 2015 + n % 6
                item = Item.create(code=f"V{n:08d}", kind="volume",
                                   archive_no=f"J012-WS·{year}-Y-{n:04d}",
                                   title=f"{TITLES[n % len(TITLES)]}（{year}年第{n}号）",
                                   pages=20 + (n * 37) % 280, location=shelves[n % 3], state="in_storage")
                if n % 5 == 0:
                    Tag.create(tag=f"E2801160600002000000{n:04X}", item=item)
            for n, (mtype, cap, serial) in enumerate((("移动硬盘 USB disk", "2 TB", "WX41A12345"),
                                                      ("U盘 USB stick", "64 GB", "AA1234BB"),
                                                      ("光盘 Optical disc", "25 GB", "BD-0003")), start=1):
                Item.create(code=f"M{n:08d}", kind="media", media_type=mtype, capacity=cap, serial_no=serial,
                            custodian=people["B00000007"], location=locs["KF"], state="in_storage")
            Item.create(code="D00000001", kind="device", title="高速扫描仪 Book scanner", serial_no="SC-9001",
                        location=locs["WS-01"], state="out")
            for username, role, badge in DEMO_USERS:
                passwords[username] = _otp()
                accounts.create_user(username, passwords[username], [role], by=None,
                                     person=people.get(badge), must_change_password=True)
            # a little history, through the same services every entry point uses
            operator, op2 = people["B00000003"], people["B00000004"]
            archivist = people["B00000001"]
            now = clock.now() - timedelta(hours=3)
            for n, (who, ws) in enumerate(((operator, "WS-01"), (operator, "WS-01"), (op2, "WS-02"),
                                           (op2, "WS-02"), (operator, "WS-03"), (op2, "WS-02")), start=1):
                services.check_out(f"V{n:08d}", to=locs[ws], holder=who, actor=archivist, via="cli",
                                   now=now + timedelta(minutes=n))
            services.return_to_storage("V00000001", to=locs["KF-A-02"], actor=archivist, via="cli",
                                       now=now + timedelta(hours=1))
    else:
        for username, _role, _badge in DEMO_USERS:
            user = User.get_or_none(User.username == username)
            if user is not None and user.must_change_password:
                passwords[username] = _otp()
                accounts.set_password(user, passwords[username], by=None, must_change=True)
    return created, [(u, r, passwords.get(u)) for u, r, _b in DEMO_USERS]
