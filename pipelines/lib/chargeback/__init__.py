"""Monthly chargeback: build the rows, write statements, manifest and restatements."""

from pipelines.lib.chargeback.build import CHARGEBACK_COLUMNS, FINAL, PROVISIONAL, build_chargeback
from pipelines.lib.chargeback.export import export_month, tenant_file_name

__all__ = [
    "CHARGEBACK_COLUMNS",
    "FINAL",
    "PROVISIONAL",
    "build_chargeback",
    "export_month",
    "tenant_file_name",
]
