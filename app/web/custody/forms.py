from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class CheckOutForm(FlaskForm):
    location = SelectField(_l("To location"), validators=[DataRequired()])
    holder = StringField(_l("To person (name or badge)"), validators=[DataRequired(), Length(max=140)],
                         render_kw={"list": "people-picker", "autocomplete": "off"})
    note = StringField(_l("Note"), validators=[Length(max=500)])


class MoveForm(FlaskForm):
    location = SelectField(_l("To location"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Length(max=500)])


class ReturnForm(FlaskForm):
    location = SelectField(_l("To storage location"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Length(max=500)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])


class DamageForm(FlaskForm):
    description = TextAreaField(_l("What is damaged"), validators=[DataRequired(), Length(max=1000)])
    pages = IntegerField(_l("Pages affected"), validators=[Optional(), NumberRange(min=0, max=100000)])
