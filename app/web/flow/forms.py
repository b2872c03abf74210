from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.custody.flow.codes import COUNTS, DEVICE_STATUSES


def _choices(codes):
    return [(code, _l(codes[code])) for code in codes]


class StepForm(FlaskForm):
    code = StringField(_l("Step code"), validators=[DataRequired(), Length(max=32)])
    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=100)])
    position = IntegerField(_l("Order"), validators=[DataRequired(), NumberRange(min=1, max=100000)])
    needs_device = BooleanField(_l("Needs a device"))
    counts = SelectField(_l("Counts"), choices=[])
    may_skip = BooleanField(_l("May be skipped"))
    rework_to = StringField(_l("Quality check: a failure sends the volume back to step (code)"),
                            validators=[Optional(), Length(max=32)])
    is_active = BooleanField(_l("In use"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.counts.choices = _choices(COUNTS)


class DeviceForm(FlaskForm):
    name = StringField(_l("Device name"), validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Device number (empty: the next D number)"), validators=[Optional(), Length(max=32)])
    serial_no = StringField(_l("Serial number"), validators=[Optional(), Length(max=100)])
    workstation = StringField(_l("Workstation code"), validators=[Optional(), Length(max=64)])


class DeviceStateForm(FlaskForm):
    status = SelectField(_l("State"), choices=[])
    workstation = StringField(_l("Workstation code"), validators=[Optional(), Length(max=64)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = _choices(DEVICE_STATUSES)


class AssignForm(FlaskForm):
    step = SelectField(_l("Step"), choices=[])
    codes = TextAreaField(_l("Volume codes (one per line)"), validators=[Optional(), Length(max=100_000)])
    batch = StringField(_l("…or a batch number"), validators=[Optional(), Length(max=32)])
    person = StringField(_l("Operator's badge"), validators=[Optional(), Length(max=32)])
    workstation = StringField(_l("…or a workstation code"), validators=[Optional(), Length(max=64)])


class DeviceImportForm(FlaskForm):
    rows = TextAreaField(_l("Devices, one per line: name, serial number, workstation code[, device number]"),
                         validators=[DataRequired(), Length(max=200_000)])
