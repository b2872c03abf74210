from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.custody.models import LOCATION_KINDS, ROLES


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; an empty selection is allowed (an account without roles)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        values = dict(self.choices)
        for value in self.data or ():
            if value not in values:
                raise ValidationError(self.gettext("'%(value)s' is not a valid choice for this field.") % {"value": value})


def role_choices():
    return [(r, _l(name)) for r, name in ROLES.items()]


class CreateUserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    roles = CheckboxesField(_l("Roles"), choices=role_choices)
    badge = StringField(_l("Linked person (badge code, optional)"), validators=[Optional(), Length(max=64)])


class RolesForm(FlaskForm):
    roles = CheckboxesField(_l("Roles"), choices=role_choices)


class LocationForm(FlaskForm):
    code = StringField(_l("Location code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Location name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=lambda: [(k, _l(name)) for k, name in LOCATION_KINDS.items()])
    parent = SelectField(_l("Under"), validate_choice=False)


class RenameForm(FlaskForm):
    name = StringField(_l("New name"), validators=[DataRequired(), Length(max=200)])


class MoveForm(FlaskForm):
    parent = StringField(_l("New parent (location code; empty: top level)"), validators=[Length(max=64)])


class SiteForm(FlaskForm):
    """Site settings. Every field whose name is registered in app.custody.settings.SITE_FIELDS is saved:
    to add a setting, add a field here and register its checker there."""

    name = StringField(_l("Site name"), validators=[DataRequired(), Length(max=200)])
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai", validators=[DataRequired(), Length(max=64)],
                           description=_l("An IANA name such as Asia/Shanghai; times are shown in this zone."))
    base_url = StringField(_l("Public address for labels"), validators=[Optional(), Length(max=200)],
                           description=_l("Printed in the QR code of every label, e.g. https://custody.example.org"))
