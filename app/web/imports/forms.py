from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, RadioField


class UploadForm(FlaskForm):
    file = FileField(_l("File (.xlsx or .csv)"), validators=[
        FileRequired(_l("Choose a file to upload.")),
        FileAllowed(["csv", "xlsx"], _l("Only .xlsx and .csv files can be imported: save the sheet as .xlsx "
                                        "(Excel 2007 or later) or as CSV.")),
    ])
    dry_run = BooleanField(_l("Only check the file, import nothing"))
    # choices from IMPORT_EXISTING, set by the view (a staff list cannot be updated)
    existing = RadioField(_l("Rows already registered (same code, archive number or badge)"), default="error")
