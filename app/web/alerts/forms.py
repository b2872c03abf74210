from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from app.custody.nights.codes import WEEKDAYS


class NightRuleForm(FlaskForm):
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()])
    cutoff = StringField(_l("Nightly cutoff (HH:MM, site time)"), validators=[
        DataRequired(message=_l("Give the nightly cutoff as HH:MM (for example 18:00).")), Length(max=5)])
    grace_minutes = IntegerField(_l("Grace period (minutes) before the sweep runs"),
                                 validators=[NumberRange(min=0, max=240)])
    holidays = TextAreaField(_l("Holidays (one date per line, YYYY-MM-DD)"), validators=[Length(max=20000)])
    sweep_nonworking = BooleanField(_l("Sweep nights after a non-working day too"))


for _day in WEEKDAYS:
    setattr(NightRuleForm, f"{_day}_start", StringField(validators=[Length(max=5)]))
    setattr(NightRuleForm, f"{_day}_end", StringField(validators=[Length(max=5)]))
