from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.custody.handovers.codes import CONDITIONS, DAMAGE_STATUSES, DIRECTIONS


def _choices(codes):
    from flask_babel import lazy_gettext

    return [(code, lazy_gettext(codes[code])) for code in codes]


class BatchForm(FlaskForm):
    title = StringField(_l("Work plan / title"), validators=[Length(max=200)])
    entries = TextAreaField(_l("Archive numbers or codes (one per line; a range as A ~ B)"),
                            validators=[Length(max=200_000)])
    catalogue = FileField(_l("…or a catalogue file (.xlsx or .csv)"))


class HandoverForm(FlaskForm):
    direction = SelectField(_l("Direction"), choices=[])
    batch = StringField(_l("Batch number (optional)"), validators=[Length(max=32)])
    location = StringField(_l("Location code (optional)"), validators=[Length(max=64)])
    corrects = StringField(_l("Corrects handover (optional)"), validators=[Length(max=32)])
    note = StringField(_l("Note"), validators=[Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.direction.choices = _choices(DIRECTIONS)


class ScanForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=200)])
    pages = IntegerField(_l("Pages"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    condition = SelectField(_l("Condition"), choices=[])
    note = StringField(_l("Note"), validators=[Length(max=1000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.condition.choices = _choices(CONDITIONS)


class AcceptForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=200)])
    note = StringField(_l("Why it is accepted"), validators=[Length(max=1000)])


class SecrecyForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=200)])
    pages = StringField(_l("Pages with the mark"), validators=[Length(max=200)])
    location = StringField(_l("Where it was found (location code, optional)"), validators=[Length(max=64)])
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])


class ReleaseForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000)])


class DamageForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("What is damaged"), validators=[Length(max=1000)])
    pages = StringField(_l("Pages"), validators=[Length(max=200)])
    photo = FileField(_l("Photo (optional)"))


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=[Length(max=2000)])


class RepairForm(FlaskForm):
    repaired_by = StringField(_l("Repaired by"), validators=[Length(max=100)])
    how = TextAreaField(_l("How"), validators=[Length(max=2000)])


class DamageFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("State"), choices=[], validators=[Optional()])
    q = StringField(_l("Archive number or code"), validators=[Optional(), Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("All"))] + _choices(DAMAGE_STATUSES)
