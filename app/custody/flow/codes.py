"""The flow sheet's stored codes and their translatable names, declared once."""
from .. import codes as core
from ..vocab import N_, Codes

ACTIONS = Codes("step_action", start=N_("Start"), finish=N_("Finish"), **{"pass": N_("Pass")},
                fail=N_("Fail"), skip=N_("Skip"))
OUTCOMES = Codes("step_outcome", in_progress=N_("In progress"), done=N_("Done"), passed=N_("Passed"),
                 failed=N_("Failed (sent back)"), skipped=N_("Skipped"))
# outcomes that count a step as completed (until a rework reopens it)
COMPLETED = frozenset({"done", "passed", "skipped"})
COUNTS = Codes("step_count", none=N_("Nothing counted"), pages=N_("Pages"), images=N_("Images"))
DEVICE_STATUSES = Codes("device_status", in_service=N_("In service"), under_repair=N_("Under repair"),
                        retired=N_("Retired"))

# a flow step is a custody event, so the sheet sits in the hash chain
EVENT_KINDS = Codes("flow_event_kind", extends=core.EVENT_KINDS, step=N_("Process step"))
AUDIT_ACTIONS = Codes("flow_audit_action", extends=core.AUDIT_ACTIONS, **{
    "step.define": N_("Process step defined"), "step.change": N_("Process step changed"),
    "device.register": N_("Device registered"), "device.change": N_("Device changed"),
    "step.assign": N_("Volumes assigned to a step"),
})

# DA/T 31-2017: the default steps of paper-archive digitization, in order
# (code, Chinese name, English name, needs a device, counts, may be skipped, rework target of a check)
DEFAULT_STEPS = (
    ("out", "档案出库", "Out of storage", False, "none", False, None),
    ("prep", "数字化前处理", "Preparation", False, "pages", False, None),
    ("catalogue", "目录数据库建立", "Catalogue data", False, "none", True, None),
    ("scan", "档案扫描", "Scanning", True, "images", False, None),
    ("image", "图像处理", "Image processing", True, "images", False, None),
    ("qc", "数据质检", "Quality check", False, "none", False, "scan"),
    ("link", "数据挂接", "Linking data", False, "none", False, None),
    ("accept", "成果验收", "Acceptance", False, "none", False, "image"),
    ("rebind", "装订还原", "Rebinding", False, "pages", False, None),
    ("in", "档案入库", "Back to storage", False, "none", False, None),
)
