"""Label printers: how a job reaches them (PDF or ZPL over raw port 9100) and their calibration."""
from peewee import BooleanField, CharField, DateTimeField, FloatField, IntegerField

from .. import clock
from ..codes import PRINTER_KINDS  # noqa: F401 (re-exported)
from .base import BaseModel


class Printer(BaseModel):
    name = CharField(unique=True, max_length=100)
    kind = CharField(max_length=8, default="zpl")  # pdf: sheets via the browser; zpl: a thermal printer
    dpi = IntegerField(default=203)
    stock = CharField(max_length=32, default="roll-50x30")  # a name from labels.sheets.SHEETS
    host = CharField(max_length=200, default="")  # empty: jobs are downloaded, never sent
    port = IntegerField(default=9100)
    # calibration: shift every job right/down by this many millimetres (negative: left/up)
    offset_x_mm = FloatField(default=0.0)
    offset_y_mm = FloatField(default=0.0)
    is_active = BooleanField(default=True)
    created_at = DateTimeField(default=clock.now)

    class Meta:
        table_name = "printer"

    @property
    def offset(self) -> tuple[float, float]:
        return (self.offset_x_mm, self.offset_y_mm)
