"""Monthly showback statements of internal prices (see `export`)."""

from pipelines.lib.margin.showback import SHOWBACK_COLUMNS, build_showback, export_showback

__all__ = ["SHOWBACK_COLUMNS", "build_showback", "export_showback"]
