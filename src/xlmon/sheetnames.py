"""Names of the sheets xlmon adds to workbooks; `check` never reads them as forms."""

RESULTS_SHEET = "校验结果"  # --annotate: the list of findings
STATE_SHEET = "_xlmon"  # --annotate: what marked cells looked like before
RECORDS_SHEET = "_xlmon_records"  # a summary's records, read back one level up
SUMMARY_SHEETS = ("汇总表", "项目明细", "指标偏差", "校验问题", "重点监控建议", "文件清单", "部门整体")
SUMMARY_ONLY = SUMMARY_SHEETS[:-1]  # a summary's 部门整体 sheet is a real form


def summary_sheets(names) -> bool:
    """Whether a workbook's sheets are those of an xlmon summary (most of SUMMARY_ONLY; a unit may have a
    sheet called 汇总表 of its own, not 项目明细, 指标偏差, 校验问题 and 文件清单 besides)."""
    return len(set(SUMMARY_ONLY) & set(names)) >= 4
