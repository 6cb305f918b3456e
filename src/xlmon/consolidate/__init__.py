"""汇总: consolidate units' workbooks (or departments' summaries) into one summary.

records.py   what is kept of each form (a few dozen numbers and texts, picklable)
extract.py   one input file → records and diagnostics (runs in worker processes)
aggregate.py the department's picture: totals recomputed from summed amounts, grades, the roster
periods.py   the summary's period; earlier months kept (K018), forms of other periods (K001)
copies.py    which copy of a form counts (K002), findings of copies said once
apart.py     amounts that look typed in 元 (K019)
focus.py     重点监控建议 and the handling drafted for each
names.py     one unit or department however its name is written, namesakes told apart
roster.py    the units expected to report, read and compared with those that did
workbook.py  the summary workbook (xlsxwriter), which is itself a valid input; quick_xlsx.py writes its cells
edits.py     a department's hand edits to its summary, found one level up
carry.py     a completed 部门整体 carried into the next summary
run.py       files and folders in, workers, the summary written atomically
"""

from .run import consolidate

__all__ = ["consolidate"]
