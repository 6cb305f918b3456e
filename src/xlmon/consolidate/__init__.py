"""汇总: consolidate units' workbooks (or departments' summaries) into one summary.

records.py   what is kept of each form (a few dozen numbers and texts, picklable)
extract.py   one input file → records and diagnostics (runs in worker processes)
aggregate.py duplicates, periods, totals, grades, 重点监控 suggestions
workbook.py  the summary workbook (xlsxwriter), which is itself a valid input
"""

from .run import consolidate

__all__ = ["consolidate"]
