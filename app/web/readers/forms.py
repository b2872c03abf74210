from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.custody.readers.codes import READER_MODES

PROTOCOL_NAMES = {"rdm6300": "RDM6300 (125 kHz)", "id12la": "ID-12LA / ID-20LA (125 kHz)",
                  "decimal10": _l("10-digit decimal line reader"), "barcode": _l("Serial barcode scanner"),
                  "chafon": "Chafon UHFReader18 (UHF)"}


class ReaderForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    location = SelectField(_l("Location"), validators=[DataRequired()])
    mode = SelectField(_l("Mode"), choices=[SelectChoice(m, _l(name)) for m, name in READER_MODES.items()], validators=[DataRequired()])
    protocol = SelectField(_l("Protocol"), choices=[SelectChoice(k, v) for k, v in PROTOCOL_NAMES.items()], validators=[DataRequired()])
    # the settings as fields (an internal door's two sides, a desk station's action and place, timings);
    # the JSON box stays for anything else, under "More settings"
    side_a = SelectField(_l("Internal door: location on one side"), validate_choice=False)
    side_b = SelectField(_l("Internal door: location on the other side"), validate_choice=False)
    station_action = SelectField(_l("Desk station: what a read does"), validate_choice=False)  # choices: the view
    station_location = SelectField(_l("Desk station: to which location"), validate_choice=False)
    offline_seconds = IntegerField(_l("Offline after (seconds without a heartbeat)"),
                                   validators=[Optional(), NumberRange(min=1, max=86400)])
    departure_grace_minutes = IntegerField(_l("Shelf: minutes before a missing volume raises an alert"),
                                           validators=[Optional(), NumberRange(min=1, max=1440)])
    spool_max_hours = IntegerField(_l("Hours a read may wait in the reader's spool and still count (default 24)"),
                                   validators=[Optional(), NumberRange(min=1, max=720)])
    settings = TextAreaField(_l("More settings (JSON)"), default="{}", validators=[Length(max=2000)])


class ConfirmForm(FlaskForm):
    """A button with a CSRF token (rotate, revoke)."""
