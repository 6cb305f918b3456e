"""分析报告: the 项目（部门整体）支出绩效监控分析报告 of seed 004 附件1, drafted from the core's results.

blocks.py       the report as plain data (headings, paragraphs, tables, charts, placeholders, draft notes)
content.py      results → blocks: a project report for one project form, a department report otherwise
chart.py        支出进度 vs 时间进度: each bar a PNG strip on one shared scale, drawn with zlib and struct only
columns.py      tables' column widths and font size from what they hold, so that no number breaks when printed
docx_writer.py  blocks → .docx in government document style (python-docx)
addin.py        the ribbon button
"""

from .content import NothingToReport, report_for_paths, report_for_sheets
from .docx_writer import write_docx

__all__ = ["NothingToReport", "report_for_paths", "report_for_sheets", "write_docx"]
