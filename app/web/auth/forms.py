from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10)])
    repeat = PasswordField(_l("Repeat the new password"),
                           validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))])


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[Length(max=100)])
