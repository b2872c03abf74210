from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.custody.readers.codes import READER_MODES

PROTOCOL_NAMES = {"rdm6300": "RDM6300 (125 kHz)", "id12la": "ID-12LA / ID-20LA (125 kHz)",
                  "decimal10": _l("10-digit decimal line reader"), "barcode": _l("Serial barcode scanner"),
                  "chafon": "Chafon UHFReader18 (UHF)"}


class ReaderForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    location = SelectField(_l("Location"), validators=[DataRequired()])
    mode = SelectField(_l("Mode"), choices=[SelectChoice(m, _l(name)) for m, name in READER_MODES.items()], validators=[DataRequired()])
    protocol = SelectField(_l("Protocol"), choices=[SelectChoice(k, v) for k, v in PROTOCOL_NAMES.items()], validators=[DataRequired()])
    settings = TextAreaField(_l("Settings (JSON)"), default="{}", validators=[Length(max=2000)],
                             description=_l('Internal door: {"side_a": "KF", "side_b": "JG"}. '
                                            'Station: {"action": "return_to_storage", "location": "KF-A-01"}.'))


class ConfirmForm(FlaskForm):
    """A button with a CSRF token (rotate, revoke)."""
