"""Where a summary no longer shows what xlmon wrote in it: the department's edits by hand.

A summary carries its records (the units' forms) in a hidden sheet, and one level up only those count; its
visible sheets are made from them again. So an edit to a visible sheet (an amount changed, a reason or a
handling suggestion rewritten, a row deleted or added, a column of opinions added, a sheet of its own) would
be lost without a word: each is found here, from the summary's grids and records alone, and reported with its
cell one level up (K005, K012, K014), and a new summary is never written over it (run.consolidate). The
columns a department adds to its tables (审核意见, 处理情况…) are its own: own_columns reads them with the rows
they stand beside, so that the next summary of the same units can carry them (K016).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from ..calc import time_progress
from ..grid import address
from ..profile import Profile
from ..sheetnames import RECORDS_SHEET, SUMMARY_SHEETS
from ..text import clean_text, label_key
from .names import Units
from .records import FormRecord

if TYPE_CHECKING:
    from .aggregate import Summary
    from .focus import Focus

# 项目明细's amount columns, by header, and the record's amounts they show (its total's, then 小计 as rates gives it)
DETAIL_AMOUNTS = {"上年结转": 0, "本年预算": 1, "下达数": 2, "支出数": 3, "全年预计支出数": 4, "小计": 5}
DETAIL_KEY = ("单位", "项目名称", "工作表")
DETAIL_SOURCE = "来源文件"  # its link shows the file's name (workbook.source_names)
EDITS_LISTED = 20  # a re-sorted or rewritten sheet is summed up, not listed cell by cell


class Edit(NamedTuple):
    code: str  # K005 项目明细, K012 指标偏差, K014 any other sheet
    sheet: str
    cell: str | None
    what: str
    column: str | None = None  # the header of a column the department added whose values can follow their rows


Found = list[tuple[str, str]]  # (cell or "", what) of one sheet


class Column(NamedTuple):
    """A column the department added to a summary's table (审核意见, 处理情况…): its header and cell, and its values
    by the key of their row (KEYED), so that a new summary can put each beside the same row."""

    sheet: str
    header: str
    cell: str
    values: dict[tuple, object]
    apart: tuple = ()  # values beside rows nothing tells apart (_by_row): not carried, but named


def summary_edits(sheets: dict[str, list[list]], records: list[FormRecord], diagnostics: list[dict],
                  profile: Profile) -> list[Edit]:
    """Every edit to a summary's visible sheets but 部门整体 (which a department completes: extract.read_completed),
    from its grids and what its records sheet holds (records and diagnostics)."""
    from .apart import apart_forms
    from .workbook import FILE_HEADERS, OVERVIEW_COLUMNS, OVERVIEW_TOP

    overview, details, deviations, problems, focus, files = SUMMARY_SHEETS[:6]
    found = [(code, name, edits(sheets[name])) for code, name, edits in (
        ("K005", details, lambda grid: edited_details(grid, records)),
        ("K012", deviations, lambda grid: edited_deviations(grid, records)),
        ("K014", overview, lambda grid: [*_beside(grid, OVERVIEW_TOP, OVERVIEW_COLUMNS),
                                          *edited_overview(grid, records, profile)]),
        ("K014", problems, lambda grid: edited_problems(grid, diagnostics)),
        ("K014", focus, lambda grid: edited_focus(grid, records, profile, apart_forms(diagnostics))),
        ("K014", files, lambda grid: [*_beside(grid, 0, len(FILE_HEADERS)),
                                       *edited_files(grid, sheets.get(RECORDS_SHEET, []))]),
        ("K014", SUMMARY_SHEETS[6], lambda grid: edited_overall(grid, records)),
    ) if name in sheets]
    found += [("K014", name, [("", f"增加了工作表“{name}”")]) for name, grid in sheets.items()
              if name not in (*SUMMARY_SHEETS, RECORDS_SHEET) and any(clean_text(v) for row in grid for v in row)]
    edits = [Edit(code, name, cell or None, what) for code, name, edits in found for cell, what in edits]
    edits += [Edit(_code(c.sheet), c.sheet, c.cell, f"增加了“{c.header}”一列",
                   c.header if c.values or c.apart else None) for c in own_columns(sheets)]
    for name, (headers, width, _) in _keyed().items():
        if name in sheets and (top := header_row(sheets[name], headers)) is not None:
            edits += [Edit(_code(name), name, cell, what) for cell, what in _beside(sheets[name], top, width, headed=False)]
    return edits


def _code(sheet: str) -> str:
    return {SUMMARY_SHEETS[1]: "K005", SUMMARY_SHEETS[2]: "K012"}.get(sheet, "K014")


def own_columns(sheets: dict[str, list[list]]) -> list[Column]:
    """The columns the department added to 项目明细, 指标偏差, 校验问题 and 重点监控建议: any with a header that is
    not one of xlmon's, whatever its place in the table. Its values are by row only while the columns that tell
    a row are there (values stays empty when the department deleted one, or wrote a header alone: a remark
    typed beside the header row, a column not yet filled in, which are edits all the same)."""
    from .workbook import DEPARTMENT_HEADER

    out = []
    for name, (headers, _, keys) in _keyed().items():
        grid = sheets.get(name)
        if not grid or (top := header_row(grid, headers)) is None:
            continue
        header = {clean_text(v): c for c, v in enumerate(grid[top]) if clean_text(v)}
        # 主管部门 only where the summary is a bureau's
        told = all(k in header for k in keys if k != DEPARTMENT_HEADER)
        key_columns = [header.get(k) for k in keys] if told else None
        for h, c in header.items():
            if _xlmons(name, h):
                continue
            cells = [(line, value) for line in grid[top + 1:] if (value := kept(line[c] if c < len(line) else None))
                     is not None]
            values, apart = _by_row(cells, key_columns) if key_columns else ({}, [])
            out.append(Column(name, h, address(top, c), values, tuple(apart)))
    return out


def _by_row(cells: list[tuple[list, object]], key_columns: list[int | None]) -> tuple[dict[tuple, object], list]:
    """A column's values (beside each line) by the key of their row; apart, those beside rows of one key that
    differ, as nothing tells which is whose (namesake units' projects where the sheet shows no 主管部门). Rows
    of one key with one value (a finding listed twice) share it."""
    by_key: dict[tuple, list] = {}
    for line, value in cells:
        by_key.setdefault(tuple(_text_at(line, k) for k in key_columns), []).append(value)
    values = {key: found[0] for key, found in by_key.items() if len(set(map(repr, found))) == 1}
    return values, [value for key, found in by_key.items() if key not in values for value in found]


def placed_columns(columns: list[Column], summary: Summary
                   ) -> tuple[list[Column], list[tuple[Column, object]], list[tuple[Column, object]]]:
    """The department's columns as they go into a new summary, each value beside the row it stood beside; the
    values whose row the new summary no longer has (a deviation corrected, a finding gone), which are not; and
    those whose row nothing tells from a namesake's (Column.apart; _departments_now), which are not either."""
    from .workbook import detail_key, deviation_key, earlier_places, source_names, focus_key, problem_key, problem_names

    records = [*summary.projects, *summary.overall]
    places, names = source_names(records), problem_names(summary.diagnostics)
    rows = {SUMMARY_SHEETS[1]: {detail_key(r, places, summary.department_for(r)) for r in summary.projects},
            SUMMARY_SHEETS[2]: {deviation_key(r, d, places, summary.department_for(r)) for r in records
                                for d in r.deviations},
            SUMMARY_SHEETS[3]: {problem_key(d, names) for d in summary.diagnostics},
            SUMMARY_SHEETS[4]: {focus_key(f, summary.department_for(f.record)) for f in summary.focus}}
    earlier = earlier_places(records, places)
    # of each table but 校验问题 (主管部门 last in its keys), how many of its rows have each key but 主管部门
    shared = {sheet: Counter(k[:-1] for k in keys) for sheet, keys in rows.items() if sheet != SUMMARY_SHEETS[3]}
    placed, left, apart = [], [], []
    for column in columns:
        here, named = rows[column.sheet], shared.get(column.sheet, Counter())
        if column.sheet == SUMMARY_SHEETS[2] and earlier:
            column = column._replace(values={_placed_now(k, earlier): v for k, v in column.values.items()})
        if column.sheet != SUMMARY_SHEETS[3]:
            column = column._replace(values=_departments_now(column.values, here, named))
        placed.append(column._replace(values={k: v for k, v in column.values.items() if k in here}))
        unplaced = [(k, v) for k, v in column.values.items() if k not in here]
        left += [(column, v) for k, v in unplaced if k[-1] is not None or named[k[:-1]] < 2]
        apart += [*((column, v) for k, v in unplaced if k[-1] is None and named[k[:-1]] > 1),
                  *((column, v) for v in column.apart)]
    return placed, left, apart


def _placed_now(key: tuple, earlier: dict[str, str]) -> tuple:
    """A row's key of 指标偏差 (位置 first) with its 位置 as written now (workbook.earlier_places)."""
    return (earlier.get(key[0], key[0]), *key[1:]) if key else key


def _departments_now(values: dict[tuple, object], here: set[tuple], rows: Counter) -> dict[tuple, object]:
    """A table's values by the key of their row now (主管部门 last; 校验问题 has none): one whose 主管部门 the new
    summary writes otherwise, or read where there was none (a summary of one department, or of an older xlmon), by
    the rest of its key, where one row now has it and one value stood beside it. rows: how many rows now have each
    key but 主管部门."""
    given = Counter(k[:-1] for k in values)
    now = {k[:-1]: k for k in here}
    return {key if key in here or rows[key[:-1]] != 1 or given[key[:-1]] != 1 else now[key[:-1]]: value
            for key, value in values.items()}


def _keyed() -> dict[str, tuple[tuple[str, ...], int, tuple[str, ...]]]:
    """The tables whose rows a department's column can follow: xlmon's headers (header_row finds the row they
    are in), its width, the headers of the columns that tell a row (its key, as detail_key, deviation_key,
    focus_key and problem_key make it for a new summary; 主管部门 where the sheet has it, a bureau's)."""
    from .workbook import (DEPARTMENT_HEADER, DETAIL_HEADERS, DEVIATION_COLUMNS, DEVIATION_KEY, DIAGNOSTIC_HEADERS,
                           FOCUS_HEADERS, deviation_headers)

    deviations = tuple(h for h in deviation_headers("") if not _is_actual(h))
    return {SUMMARY_SHEETS[1]: (DETAIL_HEADERS, len(DETAIL_HEADERS), (*DETAIL_KEY, DETAIL_SOURCE, DEPARTMENT_HEADER)),
            SUMMARY_SHEETS[2]: (deviations, DEVIATION_COLUMNS, DEVIATION_KEY),
            SUMMARY_SHEETS[3]: (DIAGNOSTIC_HEADERS, len(DIAGNOSTIC_HEADERS), DIAGNOSTIC_HEADERS),
            SUMMARY_SHEETS[4]: (FOCUS_HEADERS, len(FOCUS_HEADERS), (*FOCUS_HEADERS[:2], DEPARTMENT_HEADER))}


def _xlmons(sheet: str, header: str) -> bool:
    """Whether a header is one xlmon writes in that sheet."""
    from .workbook import DEPARTMENT_HEADER, DETAIL_HEADERS, DIAGNOSTIC_HEADERS, FOCUS_HEADERS, deviation_headers

    if header == DEPARTMENT_HEADER and sheet != SUMMARY_SHEETS[3]:
        return True
    if sheet == SUMMARY_SHEETS[1]:
        return header in DETAIL_HEADERS
    if sheet == SUMMARY_SHEETS[2]:
        return header in deviation_headers("") or _is_actual(header)
    return header in (DIAGNOSTIC_HEADERS if sheet == SUMMARY_SHEETS[3] else FOCUS_HEADERS)


def typed(value: object) -> object:
    """A cell's value as it goes into a new summary: a number as a number, anything else as text (None: blank)."""
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return clean_text(value)


def kept(value: object) -> object:
    """What a department wrote outside xlmon's own cells (a column of its own, 填报日期 below a form) as it goes into
    a new summary: typed, a date as its day (a formula never: what calamine gives back is its value)."""
    return typed(f"{value:%Y-%m-%d}" if isinstance(value, datetime.date) else value)


def edit_diagnostics(edits: list[Edit], path: str) -> list[dict]:
    """Edits as diagnostics of the summary at path: each sheet's first EDITS_LISTED one by one, the rest counted."""
    from ..diagnostics import make

    out, listed = [], Counter()
    for edit in edits:
        listed[edit.sheet] += 1
        if listed[edit.sheet] <= EDITS_LISTED:
            out.append(make(edit.code, file=path, sheet=edit.sheet, cell=edit.cell, detail=edit.what).model_dump())
    for edit in edits:
        more = listed.pop(edit.sheet, 0) - EDITS_LISTED
        if more > 0:
            out.append(make(edit.code, file=path, sheet=edit.sheet, detail=f"另有 {more} 处与记录不一致").model_dump())
    return out


def edited_details(sheet: list[list], records: list[FormRecord]) -> Found:
    """Where a summary's 项目明细 no longer shows what its records hold: an amount changed, a name rewritten, a
    project's row deleted or one added by hand. One level up only the records count, so such edits would be lost
    without a word; each is reported (K005) with the cell, and the records are used as they are."""
    from .names import Departments
    from .workbook import DEPARTMENT_HEADER, DETAIL_HEADERS, GRADE_TEXT, detail_key, source_names

    found = header_row(sheet, DETAIL_HEADERS)
    header, edits = _headed(sheet, 0, found, DETAIL_HEADERS)
    # detail_key's parts; the source tells blank units apart, 主管部门 namesakes one level above a bureau
    at = {k: i for i, k in enumerate((*DETAIL_KEY, DETAIL_SOURCE, DEPARTMENT_HEADER))}
    keys = [k for k in at if k in header]
    if found is None or not keys:
        return edits
    columns = {c: DETAIL_AMOUNTS[h] for h, c in header.items() if h in DETAIL_AMOUNTS}
    rows = _rows_by(sheet, found, [header[k] for k in keys])
    projects = [r for r in records if r.kind == "project"]
    names = source_names(records)
    departments = Departments.of(records)
    wanted = [tuple(key[at[k]] for k in keys) for key in (detail_key(r, names, departments(r)) for r in projects)]
    for record, key, (r, renamed) in zip(projects, wanted, _match(rows, wanted)):
        name = f"“{record.unit or '未填单位'}·{record.project or record.sheet}”"
        if r is None:
            edits.append(("", f"{name}所在的行已删除"))
            continue
        if renamed is not None:
            c = header[keys[renamed]]
            edits.append((address(r, c), f"{name}的{keys[renamed]}为{_shown(_text_at(sheet[r], c))}，记录为{_shown(key[renamed])}"))
        values = [*record.total(), record.rates()[0]]
        for c, i in columns.items():
            shown = sheet[r][c] if c < len(sheet[r]) else None
            if not same_amount(shown, values[i]):
                label = next(h for h, j in DETAIL_AMOUNTS.items() if j == i)
                edits.append((address(r, c), f"{name}的{label}为{_amount(shown)}，记录为{_amount(values[i])}"))
        _, issue_rate, progress = record.rates()
        tp = time_progress(record.months)
        figures = {"下达率": (issue_rate, same_rate, _shown_rate), "支出进度": (progress, same_rate, _shown_rate),
                   "进度差（百分点）": (None if tp is None or progress is None else round((tp - progress) * 100, 2),
                                    same_amount, _shown),
                   **{f"指标{GRADE_TEXT[g][:1]}灯": (record.indicator_grades.get(g, 0), same_amount, _shown_count)
                      for g in ("green", "yellow", "red")},
                   **{k: (record.likelihoods.get(k, 0), same_amount, _shown_count)
                      for k in ("确定能", "有可能", "完全不可能")}}
        for label, (value, same, show) in figures.items():
            c = header.get(label)
            shown = sheet[r][c] if c is not None and c < len(sheet[r]) else None
            if c is not None and not same(shown, value):
                edits.append((address(r, c), f"{name}的{label}为{show(shown)}，记录为{show(value)}"))
        texts = {"项目代码": record.code, "资金评级": GRADE_TEXT.get(record.funding_grade),
                 "综合评级": GRADE_TEXT.get(record.grade)}
        for label, value in texts.items():
            c = header.get(label)
            shown = _text_at(sheet[r], c) if c is not None else value
            if shown != (clean_text(value) if value else None):
                edits.append((address(r, c), f"{name}的{label}为{_shown(shown)}，记录为{_shown(value)}"))
    for r, key in _left(rows):
        text = "·".join(filter(None, key[:2]))
        edits.append((address(r, header.get("项目名称", 0)), f"第 {r + 1} 行{f'“{text}”' if text else ''}不是 xlmon 汇总的项目"))
    return edits


HEADER_SEARCH = 10  # rows from the top a table's header is looked for: a title or a line typed above it


def header_row(sheet: list[list], expected: Iterable[str], least: int = 3) -> int | None:
    """The row of a table's header, where xlmon wrote it or, rows inserted above it by hand, further down: the
    first row holding `least` of the expected headers; None when there is none."""
    expected = set(expected)
    for r in range(min(len(sheet), HEADER_SEARCH)):
        if len(expected & {clean_text(v) for v in sheet[r]}) >= least:
            return r
    return None


def _headed(sheet: list[list], top: int, found: int | None, expected: Iterable[str], ours: tuple[str, ...] = ()
            ) -> tuple[dict[str, int], Found]:
    """A table's header (label → column) and the edits around it, xlmon having written it in row `top`: the
    header gone (found None), a line written, inserted or deleted above it (`ours`: how xlmon's own lines there
    begin), and each of xlmon's columns deleted."""
    if found is None:
        return {}, [("", "表头已删除或改动，无法与记录比较")]
    written = [(address(r, c), text) for r in range(found) for c, v in enumerate(sheet[r])
               if (text := clean_text(v)) and not text.startswith(ours)]
    edits: Found = [(written[0][0], f"在表头上方填写了{_shown(written[0][1])}")] if written else []
    if found != top and not written:
        edits.append(("", f"在表头上方插入了 {found - top} 行" if found > top else f"删除了表头上方的 {top - found} 行"))
    header = {clean_text(v): c for c, v in enumerate(sheet[found]) if clean_text(v)}
    edits += [("", f"删除了“{h}”列") for h in expected if h not in header]
    return header, edits


def _rows_by(sheet: list[list], top: int, columns: list[int | None]) -> dict[tuple, list[int]]:
    """The rows below a table's header (in row `top`) by their key (the texts in `columns`), rows blank under
    every header left out: a remark typed right of the table, below its rows, is no row added (_beside names it).
    A key may repeat: two departments' units may send files of one name."""
    headed = [c for c, v in enumerate(sheet[top]) if clean_text(v)]
    rows: dict[tuple, list[int]] = {}
    for r, line in enumerate(sheet[top + 1:], top + 1):
        if any(_text_at(line, c) for c in headed):
            rows.setdefault(tuple(_text_at(line, c) for c in columns), []).append(r)
    return rows


def _match(rows: dict[tuple, list[int]], wanted: list[tuple]) -> list[tuple[int | None, int | None]]:
    """For each wanted key, its row and None; else a row whose key differs in one field only (a name the
    department rewrote) and that field's index; else (None, None). Each row is taken once, by its own key first;
    the rows taken are removed from `rows`, which keeps those no key wanted."""
    found: list[tuple[int | None, int | None]] = []
    for key in wanted:
        left = rows.get(key)
        found.append((left.pop(0), None) if left else (None, None))
    missing = [i for i, (r, _) in enumerate(found) if r is None]
    if not missing or not any(rows.values()):
        return found
    near: dict[tuple, list[tuple]] = {}  # a key with one field blanked out → the keys of rows left
    for key, left in rows.items():
        if left:
            for j in range(len(key)):
                near.setdefault((j, *key[:j], *key[j + 1:]), []).append(key)
    for i in missing:
        key = wanted[i]
        for j in range(len(key)):
            other = next((k for k in near.get((j, *key[:j], *key[j + 1:]), ()) if rows[k]), None)
            if other is not None:
                found[i] = (rows[other].pop(0), j)
                break
    return found


def _left(rows: dict[tuple, list[int]]) -> list[tuple[int, tuple]]:
    """The rows no record was matched with, in sheet order, with their keys."""
    return sorted((r, key) for key, left in rows.items() for r in left)


def _text_at(line: list, c: int | None) -> str | None:
    """A summary row's cell as text; None for a blank one, or a column the sheet lacks."""
    return clean_text(line[c]) if c is not None and c < len(line) else None


# 指标偏差's columns a department may edit (besides 1-N月完成情况)
# 指标偏差's columns compared with the records, besides DEVIATION_KEY's (项目名称 and the levels too: a row moved to
# another project or level would misplace the deviation one level up, where only the records count)
_DEVIATION_FIELDS = ("评级", "项目名称", "一级指标", "二级指标", "年度指标值", "全年预计完成情况", "完成目标可能性",
                     "偏差原因分析", "备注")


def edited_deviations(sheet: list[list], records: list[FormRecord]) -> Found:
    """Where a summary's 指标偏差 no longer shows what its records hold: a 偏差原因分析 or 备注 rewritten by the
    department, a grade or forecast changed, a row deleted or added, a column of its own added. One level up
    the 指标偏差 are listed from the records (the units' forms), so such edits would be lost without a word;
    each is reported (K012) with the cell."""
    from .names import Departments
    from .records import form_name
    from .workbook import (DEPARTMENT_HEADER, DEVIATION_KEY, GRADE_TEXT, deviation_headers, deviation_key,
                           deviation_row, earlier_places, source_names)

    labels = deviation_headers("")
    expected = [h for h in labels if not _is_actual(h)]
    found = header_row(sheet, expected)
    header, edits = _headed(sheet, 0, found, expected)
    if found is None:
        return edits
    columns = {h: c for h, c in header.items() if h in _DEVIATION_FIELDS}
    actual = next((c for h, c in header.items() if _is_actual(h)), None)
    if actual is None:
        edits.append(("", f"删除了“1-{records[0].months if records else 'XX'}月完成情况”列"))
    where, level3, unit = header.get("位置"), header.get("三级指标"), header.get("单位")
    if where is None and level3 is None:
        return edits
    key_columns = (where, unit, level3, header.get(DEPARTMENT_HEADER))  # DEVIATION_KEY's columns
    rows = _rows_by(sheet, found, list(key_columns))
    listed = [(record, d) for record in records for d in record.deviations]
    places, departments = source_names(records), Departments.of(records)
    if where is not None and (earlier := earlier_places(records, places)):  # a summary written before: its 位置 unquoted
        now: dict[tuple, list[int]] = {}
        for key, lines in rows.items():
            now.setdefault(_placed_now(key, earlier), []).extend(lines)
        rows = {key: sorted(lines) for key, lines in now.items()}
    wanted = [tuple(part if c is not None else None for part, c in zip(key, key_columns))
              for key in (deviation_key(record, d, places, departments(record)) for record, d in listed)]
    for (record, d), key, (r, renamed) in zip(listed, wanted, _match(rows, wanted)):
        name = f"“{'·'.join(filter(None, (record.unit, form_name(record), d.level3)))}”"
        if r is None:
            edits.append(("", f"{name}所在的行已删除"))
            continue
        line = sheet[r]
        if renamed is not None:
            c = key_columns[renamed]
            edits.append((address(r, c), f"{name}的{DEVIATION_KEY[renamed]}为{_shown(_text_at(line, c))}，记录为{_shown(key[renamed])}"))
        expected = dict(zip(labels, (GRADE_TEXT.get(value) if kind == "grade" else value
                                     for value, kind in deviation_row(record, d, places))))
        cells = [(h, columns[h], expected[h]) for h in _DEVIATION_FIELDS if h in columns]
        if actual is not None:
            cells.append((sheet[0][actual], actual, next(v for h, v in expected.items() if _is_actual(h))))
        for label, c, value in cells:
            shown = line[c] if c < len(line) else None
            if not _same_value(shown, value):
                edits.append((address(r, c), f"{name}的{clean_text(label)}为{_shown(shown)}，记录为{_shown(value)}"))
    for r, key in _left(rows):
        edits.append((address(r, level3 if where is None else where),
                      f"第 {r + 1} 行{f'“{key[2]}”' if key[2] else ''}不是 xlmon 列出的指标偏差"))
    return edits


def edited_overview(sheet: list[list], records: list[FormRecord], profile: Profile) -> Found:
    """Where 汇总表 no longer shows the sums of its records: an amount of the funding table corrected by hand, or
    anything written where xlmon wrote nothing (审核说明…): above the funding table's header, in the rows between
    and below its tables (the rows a chart stands over too), or beside a table's rows. One level up the sums are
    made again from the records, and the rest would be lost."""
    from .aggregate import _by_department, source_rows
    from .periods import majority_period
    from .names import department_groups
    from .workbook import GRADE_TEXT, OVERVIEW_COLUMNS

    projects = [r for r in records if r.kind == "project"]
    top = next((r for r, line in enumerate(sheet) if line and clean_text(line[0]) == "资金来源"), None)
    if top is None:
        return [("", "资金来源表的表头已删除或改动，无法与记录比较")]
    header = {clean_text(v): c for c, v in enumerate(sheet[top]) if clean_text(v)}
    columns = {c: i for h, c in header.items() for i, label in enumerate(_OVERVIEW_AMOUNTS)
               if h == label or label.startswith("月") and h.startswith("1-") and h.endswith(label)}
    months = majority_period(records)[1]  # the summary's, of its 部门整体 forms too: its 时间进度 with no project
    totals = {t.row: t for t in source_rows(projects, months, profile)}
    edits: Found = []
    r = top + 1
    labels = {**totals, **{f"其中：{row}": t for row, t in totals.items()}}  # 其中：中央财政资金
    tp = time_progress(months)
    # worked out from those sums: a rate or grade made to look better (1-6月下达率 by its last words)
    figures = {c: h for h, c in header.items() if h.endswith(_OVERVIEW_FIGURES)}
    while r < len(sheet) and (t := labels.get(label := clean_text(sheet[r][0] if sheet[r] else None))):
        values = [t.carryover, t.current, t.subtotal, t.issued, t.spent, t.forecast]  # a line typed below: not a row
        for c, i in columns.items():
            shown = sheet[r][c] if c < len(sheet[r]) else None
            if not same_amount(shown, values[i]):
                edits.append((address(r, c), f"{label}的{_OVERVIEW_AMOUNTS[i].lstrip('月')}为{_amount(shown)}，"
                                             f"记录之和为{_amount(values[i])}"))
        worked_out = {"下达率": (t.issue_rate, same_rate, _shown_rate),
                      "支出进度": (t.spend_progress, same_rate, _shown_rate), "时间进度": (tp, same_rate, _shown_rate),
                      "进度差（百分点）": (None if t.gap is None else round(t.gap * 100, 2), same_amount, _shown),
                      "评级": (GRADE_TEXT.get(t.grade), _same_text, _shown)}
        for c, h in figures.items():
            shown = sheet[r][c] if c < len(sheet[r]) else None
            value, same, show = worked_out[next(k for k in worked_out if h.endswith(k))]
            if not same(shown, value):
                edits.append((address(r, c), f"{label}的{h}为{show(shown)}，记录之和得出{show(value)}"))
        r += 1
    ids = Units(records)  # as the summary told its units apart: by its records
    counts = {"单位": len({ids.of(p) for p in projects}),
              "主管部门": len(_by_department(department_groups(projects), projects, months, profile))}
    widths = {0: 1, 1: 1, **_overview_lines(sheet, r, counts)}  # the title and the note; xlmon's lines below
    last = max(widths)
    outside = [(row, c, text) for row in (*range(top), *range(r, len(sheet))) if row != top
               for c, v in enumerate(sheet[row][:OVERVIEW_COLUMNS]) if c >= widths.get(row, 0) and (text := clean_text(v))]
    said = set()  # the first cell of each kind: a note of several lines is one edit
    for row, c, text in outside:
        where = ("在表头上方" if row < top else "在表格下方" if row > last else
                 "在表格右侧" if row in widths else "在表格之间")
        if where not in said:
            said.add(where)
            edits.append((address(row, c), f"{where}填写了{_shown(text)}"))
    return edits


def _overview_lines(sheet: list[list], first: int, counts: dict[str, int]) -> dict[int, int]:
    """The lines xlmon writes in 汇总表 below its funding table (from row `first` on), each with the columns it
    fills: 项目评级, and each table of 支出进度 (a bureau's by 主管部门, then by unit), its title, header and a row
    for each of the `counts` units or departments, wherever it stands (above or below the chart)."""
    from .workbook import UNIT_HEADERS

    lines = {}
    r = first
    while r < len(sheet):
        text = clean_text(sheet[r][0]) if sheet[r] else None
        who = next((w for w in counts if text == f"各{w}支出进度（按进度差从大到小）"), None)
        if text == "项目评级":
            lines[r] = 9  # 项目评级, then each grade and its count, 未评级 and its
        elif who and r + 1 < len(sheet) and sheet[r + 1] and clean_text(sheet[r + 1][0]) == who:
            lines[r] = 1
            lines.update((row, len(UNIT_HEADERS)) for row in range(r + 1, min(r + 2 + counts[who], len(sheet))))
            r += 1 + counts[who]
        r += 1
    return lines


# 汇总表's amount columns, by header (月下达数: 1-6月下达数…)
_OVERVIEW_AMOUNTS = ("上年结转", "本年预算", "小计", "月下达数", "月支出数", "全年预计支出数")
_OVERVIEW_FIGURES = ("下达率", "支出进度", "时间进度", "进度差（百分点）", "评级")  # each worked out from the amounts


def edited_files(sheet: list[list], records_sheet: list[list]) -> Found:
    """Where 文件清单 no longer lists the inputs as the summary wrote them (a note typed into 原因, a row deleted
    or added); nothing to compare with for a summary written before its rows were kept in the records."""
    from .extract import listed_files
    from .workbook import FILE_HEADERS

    listed = listed_files(records_sheet)
    if listed is None:
        return []
    found = header_row(sheet, FILE_HEADERS)
    header, edits = _headed(sheet, 0, found, FILE_HEADERS)
    if found is None or FILE_HEADERS[0] not in header:
        return edits
    rows = _rows_by(sheet, found, [header[FILE_HEADERS[0]]])
    wanted = [(clean_text(row[0]),) for row in listed]
    for row, key, (r, _) in zip(listed, wanted, _match(rows, wanted)):
        if r is None:
            edits.append(("", f"“{key[0]}”所在的行已删除"))
            continue
        for label, value in zip(FILE_HEADERS[1:], row[1:]):
            c = header.get(label)
            shown = sheet[r][c] if c is not None and c < len(sheet[r]) else None
            same = same_amount(shown, value) if isinstance(value, (int, float)) else _text_at(sheet[r], c) == (
                clean_text(value) if value else None)
            if c is not None and not same:
                edits.append((address(r, c), f"“{key[0]}”的{label}为{_shown(shown)}，记录为{_shown(value)}"))
    for r, key in _left(rows):
        edits.append((address(r, header[FILE_HEADERS[0]]), f"第 {r + 1} 行{_shown(key[0])}不是 xlmon 列出的文件"))
    return edits


def edited_overall(sheet: list[list], records: list[FormRecord]) -> Found:
    """What the department wrote in a 部门整体 it has not completed (no goal, indicator or amount of its own:
    extract.completed_department_form): its 主管部门 line rewritten, lines below the form (填报人, 联系电话…) or
    beside it. Once completed, the form is the department's own and --overall-from carries all of it; before,
    a new summary would drop these without a word."""
    from ..reader import read_form
    from .carry import _outside_form, form_period
    from .extract import Completed, _amounts_differ
    from .names import department_name

    form = read_form(sheet, SUMMARY_SHEETS[6])[0]
    units = [r for r in records if r.kind == "department"]
    if form is None or form.goal or form.indicators or _amounts_differ(form, units):
        return []
    edits: Found = []
    written = clean_text(form.department)
    if written and label_key(written) != label_key(department_name(records)):
        edits.append((form.cells.get("department") or "", f"主管部门（单位）及代码改为{_shown(written)}"))
    below, elsewhere = _outside_form(Completed("", form, sheet, units), *form_period(form.year, form.months))
    edits += [("", f"在表格下方填写了{_shown(value)}") for _, _, value in below[:1]]
    edits += [(cell, f"在表格外填写了{_shown(value)}") for cell, value in elsewhere[:1]]
    return edits


def _is_actual(header: str) -> bool:
    return header.startswith("1-") and header.endswith("月完成情况")


def _same_value(shown: object, value: object) -> bool:
    """A cell of 指标偏差 as xlmon wrote the value: a number as a number, a text as a text, nothing as blank."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return isinstance(shown, (int, float)) and abs(shown - value) <= 1e-9 * max(1.0, abs(value))
    return clean_text(shown) == clean_text(value)


def edited_problems(sheet: list[list], diagnostics: list[dict]) -> Found:
    """Where a summary's 校验问题 no longer lists the findings its records sheet carries: a row deleted (a finding
    the department took as settled), rewritten or added. One level up the findings come from the records."""
    from .workbook import DIAGNOSTIC_HEADERS, problem_key, problem_names

    found = header_row(sheet, DIAGNOSTIC_HEADERS)
    header, edits = _headed(sheet, 0, found, DIAGNOSTIC_HEADERS)
    if found is None:
        return edits
    columns = [header.get(h) for h in DIAGNOSTIC_HEADERS]  # a column moved or deleted by hand: by its header
    names = problem_names(diagnostics)
    expected = Counter(tuple(None if c is None else part for part, c in zip(problem_key(d, names), columns))
                       for d in diagnostics)
    for r, line in enumerate(sheet[found + 1:], found + 1):
        row = tuple(_text_at(line, c) for c in columns)
        if not any(row):
            continue
        if expected[row] > 0:
            expected[row] -= 1
        else:
            edits.append((address(r, 0), f"第 {r + 1} 行“{_brief(row)}”不是 xlmon 列出的校验问题"))
    for row, left in expected.items():
        edits += [("", f"“{_brief(row)}”所在的行已删除")] * left
    return edits


def edited_focus(sheet: list[list], records: list[FormRecord], profile: Profile,
                 apart: set[tuple] = frozenset()) -> Found:
    """Where a summary's 重点监控建议, a draft for the reviewer, no longer shows what xlmon drafted from its records:
    a handling or reason rewritten, a project taken off the list or put on it, a column of opinions added.
    One level up the list is drafted again from the records. (Drafted with today's profile: a focus threshold
    changed since shows as edits too.)"""
    from .focus import focus_list
    from .names import Departments
    from .workbook import DEPARTMENT_HEADER, FOCUS_HEADERS, FOCUS_NOTE, FOCUS_TOP

    found = header_row(sheet, FOCUS_HEADERS)
    header, edits = _headed(sheet, FOCUS_TOP, found, FOCUS_HEADERS, ours=(FOCUS_NOTE,))
    if found is None:
        return edits
    unit, project = header.get(FOCUS_HEADERS[0]), header.get(FOCUS_HEADERS[1])
    department = header.get(DEPARTMENT_HEADER)  # a bureau's: namesake units of two departments told apart
    rows = _rows_by(sheet, found, [unit, project, department])
    projects = [r for r in records if r.kind == "project"]
    drafted = focus_list(projects, profile, apart)
    departments = Departments.of(records) if department is not None else lambda record: None
    for focus, r in zip(drafted, _focus_rows(sheet, header, rows, drafted, departments)):
        name = "·".join(filter(None, (focus.record.unit, focus.record.project))) or focus.record.sheet
        if r is None:
            edits.append(("", f"“{name}”所在的行已删除"))
            continue
        for label, c, shown, value in _focus_differences(sheet[r], header, focus):
            where = address(r, c) if c is not None else ""
            edits.append((where, f"“{name}”的{label}为{_shown(shown)}，xlmon 起草的是{_shown(value)}"))
        if (shown := _text_at(sheet[r], department)) != (value := clean_text(departments(focus.record))):
            edits.append((address(r, department), f"“{name}”的{DEPARTMENT_HEADER}为{_shown(shown)}，记录为{_shown(value)}"))
    for r, key in _left(rows):
        text = "·".join(filter(None, key[:-1]))
        edits.append((address(r, project or 0), f"第 {r + 1} 行{f'“{text}”' if text else ''}不是 xlmon 列出的重点监控项目"))
    return edits


def _focus_rows(sheet: list[list], header: dict[str, int], rows: dict[tuple, list[int]], drafted: list[Focus],
                departments: Callable[[FormRecord], str | None]) -> list[int | None]:
    """The row of 重点监控建议 showing each drafted project (None: deleted), taken from `rows` (by focus_key: a
    bureau's by 主管部门, departments naming each form's, as namesake units of two departments may each have a
    project of one name). Rows of one key in either order (sorted by hand; a sheet with no 主管部门): such a row
    goes first to the project whose draft it shows, the rest in turn; a row whose 主管部门 was rewritten, to the
    project of its unit and name left without one."""
    from .workbook import focus_key

    def left(focus: Focus) -> list[int] | None:
        key = focus_key(focus, departments(focus.record))
        # a project with no name of its own, as summaries before named_form left it: blank
        return rows.get(key) or rows.get((clean_text(focus.record.unit), clean_text(focus.record.project), key[-1]))

    found: list[int | None] = [None] * len(drafted)
    for i, focus in enumerate(drafted):
        lines = left(focus) or []
        if len(lines) > 1 and (r := next((r for r in lines if not _focus_differences(sheet[r], header, focus)), None)):
            found[i] = r
            lines.remove(r)
    for i, focus in enumerate(drafted):
        if found[i] is None and (lines := left(focus)):
            found[i] = lines.pop(0)
    for i, focus in enumerate(drafted):
        named = focus_key(focus)[:-1]
        if found[i] is None and (lines := next((v for k, v in rows.items() if k[:-1] == named and v), None)):
            found[i] = lines.pop(0)
    return found


def _focus_differences(line: list, header: dict[str, int], focus: Focus) -> list[tuple[str, int | None, object, object]]:
    """Where a row of 重点监控建议 shows other than xlmon drafted for the project: (header, column, shown, drafted)."""
    from .focus import FORMER_HANDLINGS
    from .workbook import FOCUS_HEADERS, GRADE_TEXT, focus_row

    values = [GRADE_TEXT.get(value) if kind == "grade" else value for value, kind in focus_row(focus)]
    out = []
    for label, value in zip(FOCUS_HEADERS[2:], values[2:]):
        c = header.get(label)
        shown = line[c] if c is not None and c < len(line) else None
        if not _same_value(shown, value) and not (label == FOCUS_HEADERS[-1] and shown in FORMER_HANDLINGS):
            out.append((label, c, shown, value))
    return out


def _beside(sheet: list[list], top: int, width: int, headed: bool = True) -> Found:
    """What was written right of a table `width` columns wide (its header in row `top`): a column of the
    department's own, named by its header (unless not `headed`: own_columns names those), or the first cell
    written there under no header."""
    edits = []
    for c in range(width, max(map(len, sheet), default=0)):
        r = next((r for r, line in enumerate(sheet) if c < len(line) and clean_text(line[c])), None)
        if r is None:
            continue
        header = _text_at(sheet[top], c) if top < len(sheet) else None
        if not header:
            edits.append((address(r, c), f"在表格右侧填写了{_shown(clean_text(sheet[r][c]))}"))
        elif headed:
            edits.append((address(top, c), f"增加了“{header}”一列"))
    return edits


def _brief(row: tuple) -> str:
    """A 校验问题 row named by its place, code and the start of its message."""
    place = "!".join(filter(None, row[:3]))
    message = row[5] or ""
    return " ".join(filter(None, (place, row[3], message[:20] + ("…" if len(message) > 20 else ""))))


def same_amount(shown: object, value: float | None) -> bool:
    if shown is None or shown == "":
        return value is None
    return isinstance(shown, (int, float)) and value is not None and abs(shown - value) < 0.005


def same_rate(shown: object, value: float | None) -> bool:
    """A rate as a summary shows it, 0.00 %: within half its last digit."""
    if shown is None or shown == "":
        return value is None
    return isinstance(shown, (int, float)) and value is not None and abs(shown - value) < 0.00005


def _same_text(shown: object, value: str | None) -> bool:
    return clean_text(shown) == value


SHOWN_CHARS = 40  # a long text (a drafted handling, a reason) is named by its start


def _shown_rate(value: object) -> str:
    """A rate as the summary shows it, 36.25%; what was typed over it as typed."""
    return f" {value * 100:.2f}%" if isinstance(value, (int, float)) and not isinstance(value, bool) else _shown(value)


def _shown_count(value: object) -> str:
    return f" {value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else _shown(value)


def _amount(value: object) -> str:
    """An amount of the summary's, in 万元 as it is kept, quoted with its unit as the rules' findings quote theirs."""
    return f"{_shown(value)} 万元" if isinstance(value, (int, float)) and not isinstance(value, bool) else _shown(value)


def _shown(value: object) -> str:
    if value is None or value == "":
        return "空"
    if isinstance(value, (int, float)):
        return f" {value:,.2f}"
    text = str(value)
    return f"“{text[:SHOWN_CHARS]}…”" if len(text) > SHOWN_CHARS else f"“{text}”"
