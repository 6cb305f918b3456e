"""`xlmon check --annotate`, `xlmon clear` and `xlmon profile` through the command line."""

from __future__ import annotations

import tomllib

from openpyxl import load_workbook

from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from test_check import write_grid
from xlmon.check import check_file
from xlmon.cli import main
from xlmon.marks import PALETTE, RESULTS_SHEET, STATE_SHEET


def faulty(tmp_path):
    funding = dict(SAMPLE_FUNDING)
    funding["资金总额"] = [10, 300, 320, 200, 0.6667, 20, None, 305]  # 小计 wrong, spending far behind
    funding["中央财政资金"] = [None, 100, 100, 100, 1, 10, None, 100]
    funding["市级财政资金"] = [10, 200, 210, 100, 0.5, 10, None, 205]
    rows = [list(r) for r in SAMPLE_INDICATORS]
    rows[0][5] = "500平方米"  # red, and no reason given
    return write_grid(tmp_path / "单位.xlsx", project_grid(funding=funding, indicators=rows))


def fills(path):
    ws = load_workbook(path)["表1"]
    return {c.coordinate: c.fill.fgColor.rgb[-6:] for row in ws.iter_rows() for c in row
            if c.fill.fill_type == "solid"}


def test_annotate_marks_graded_cells_and_lists_findings(tmp_path, capsys):
    src = faulty(tmp_path)
    before = src.read_bytes()
    out = tmp_path / "标注.xlsx"
    assert main(["check", str(src), "--annotate", str(out)]) == 1
    assert "已写出标注副本" in capsys.readouterr().out
    assert src.read_bytes() == before
    result = check_file(src)
    form = result.forms[0]
    marked = fills(out)
    for row in form.funding:
        if row.grade:
            assert marked[row.cells["spend_progress"]] == PALETTE[row.grade], row.row
    red = form.indicators[0]
    assert red.grade == "red" and marked[red.cells["forecast"]] == PALETTE["red"]
    wb = load_workbook(out)
    ws = wb["表1"]
    c001 = next(d for d in result.diagnostics if d.code == "C001")
    assert "C001" in ws[c001.cell].comment.text
    listed = [row for row in wb[RESULTS_SHEET].iter_rows(min_row=2, values_only=True) if row[0]]
    assert len(listed) == len(result.diagnostics)
    assert wb[STATE_SHEET].sheet_state == "veryHidden"
    # the marked copy checks the same as the original (our own sheets are not forms)
    again = check_file(out)
    assert [(d.code, d.cell) for d in again.diagnostics] == [(d.code, d.cell) for d in result.diagnostics]


def test_annotate_twice_is_stable_and_clear_restores(tmp_path, capsys):
    src = faulty(tmp_path)
    once, twice, cleared = tmp_path / "1.xlsx", tmp_path / "2.xlsx", tmp_path / "c.xlsx"
    main(["check", str(src), "--annotate", str(once)])
    main(["check", str(once), "--annotate", str(twice)])
    assert fills(once) == fills(twice)
    assert load_workbook(twice).sheetnames == load_workbook(once).sheetnames
    assert main(["clear", str(twice), "-o", str(cleared)]) == 0
    assert load_workbook(cleared).sheetnames == ["表1"]
    assert fills(cleared) == fills(src) == {}
    capsys.readouterr()


def test_annotate_refuses_several_inputs_and_same_file(tmp_path, capsys):
    src = faulty(tmp_path)
    assert main(["check", str(src), str(src), "--annotate", str(tmp_path / "x.xlsx")]) == 2
    assert main(["check", str(src), "--annotate", str(src)]) == 2
    assert "原文件" in capsys.readouterr().err
    assert main(["clear", str(tmp_path / "none.xlsx")]) == 2


def test_outputs_never_write_over_a_users_file(tmp_path, capsys):
    """--annotate replaces only an earlier annotated copy; clear and template never write over anything."""
    src = faulty(tmp_path)
    other = write_grid(tmp_path / "另一单位.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS))
    kept = other.read_bytes()
    assert main(["check", str(src), "--annotate", str(other)]) == 2
    assert "不是 xlmon 的标注副本" in capsys.readouterr().err and other.read_bytes() == kept
    marked = tmp_path / "标注.xlsx"
    assert main(["check", str(src), "--annotate", str(marked)]) == 1
    assert main(["check", str(src), "--annotate", str(marked)]) == 1  # after a fix: the copy is made anew
    assert "已写出标注副本" in capsys.readouterr().out
    assert main(["clear", str(marked)]) == 0
    first = tmp_path / "标注-已清除.xlsx"
    first.write_bytes(kept)  # work went on in the cleared copy
    assert main(["clear", str(marked)]) == 0
    assert first.read_bytes() == kept and fills(tmp_path / "标注-已清除（2）.xlsx") == {}
    assert "标注-已清除（2）.xlsx" in capsys.readouterr().out
    assert main(["clear", str(marked), "-o", str(other)]) == 2
    assert "已存在" in capsys.readouterr().err and other.read_bytes() == kept
    assert main(["template", "project", "-o", str(other)]) == 2
    assert "已存在" in capsys.readouterr().err and other.read_bytes() == kept
    assert main(["template", "project", "-o", str(tmp_path / "模板.xlsm")]) == 2  # no macros: Excel would refuse it
    assert "模板文件的扩展名应为 .xlsx（如 " in capsys.readouterr().err and not (tmp_path / "模板.xlsm").exists()
    assert main(["consolidate", str(src), "-o", str(tmp_path)]) == 2  # the folder, not a file in it
    assert f"{tmp_path} 是文件夹，请给出汇总文件的文件名，如 {tmp_path / '部门汇总.xlsx'}" in capsys.readouterr().err
    assert main(["consolidate", str(src), "-o", str(tmp_path / "部门汇总")]) == 2
    assert f"汇总文件的扩展名应为 .xlsx（如 {tmp_path / '部门汇总.xlsx'}）" in capsys.readouterr().err
    assert not (tmp_path / "部门汇总.xlsx").exists()
    assert main(["check", str(src), "--annotate", str(tmp_path / "标注.txt")]) == 2  # Excel could not open it
    assert "扩展名应为 .xlsx" in capsys.readouterr().err and not (tmp_path / "标注.txt").exists()


def test_clear_on_a_file_without_marks_makes_no_copy(tmp_path, capsys):
    src = faulty(tmp_path)
    assert main(["clear", str(src)]) == 0
    assert "没有 xlmon 的标注，无需清除" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == [src.name]


def test_clear_refusing_a_sheet_of_the_units_own_names_the_file(tmp_path, capsys):
    """A sheet _xlmon that xlmon did not write is not cleared, and the refusal names the workbook, as annotating's
    does: “…/单位.xlsx：工作簿中的“_xlmon”工作表不是 xlmon 生成的…”."""
    src = faulty(tmp_path)
    wb = load_workbook(src)
    wb.create_sheet(STATE_SHEET)["A1"] = "单位自己的表"
    wb.save(src)
    assert main(["clear", str(src)]) == 2
    assert capsys.readouterr().err == f"xlmon: {src}：工作簿中的“{STATE_SHEET}”工作表不是 xlmon 生成的，无法清除标注。\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [src.name]


def test_an_output_of_the_other_macro_kind_is_refused_naming_it(tmp_path, capsys):
    """A marked or cleared copy given the suffix of the other kind (.xlsm for an .xlsx) is refused naming the output
    file, as one of any other wrong suffix is; it said only 输出文件的扩展名应为 .xlsx."""
    src = faulty(tmp_path)
    out = tmp_path / "标注.xlsm"
    assert main(["check", str(src), "--annotate", str(out)]) == 2
    assert f"xlmon: 输出文件 {out} 的扩展名应为 .xlsx（与原文件的格式相同）：含宏与不含宏的格式不能互换。" in capsys.readouterr().err
    marked = tmp_path / "标注.xlsx"
    assert main(["check", str(src), "--annotate", str(marked)]) == 1
    assert main(["clear", str(marked), "-o", str(out)]) == 2
    assert f"xlmon: 输出文件 {out} 的扩展名应为 .xlsx" in capsys.readouterr().err and not out.exists()


def test_profile_command(tmp_path, capsys):
    assert main(["profile"]) == 0
    text = capsys.readouterr().out
    data = tomllib.loads(text)
    assert data["funding"]["green_max_gap"] == 0.10
    city = tmp_path / "city.toml"
    city.write_text(text.replace("green_max_gap = 0.10", "green_max_gap = 0.02"), encoding="utf-8")
    assert main(["profile", "--check", str(city)]) == 0
    (tmp_path / "bad.toml").write_text("[funding\n", encoding="utf-8")
    assert main(["profile", "--check", str(tmp_path / "bad.toml")]) == 1
    assert "格式错误" in capsys.readouterr().err


def test_profile_changes_grades(tmp_path, capsys):
    import json

    src = write_grid(tmp_path / "ok.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS))
    main(["check", "--format", "json", str(src)])
    default = json.loads(capsys.readouterr().out)["files"][0]["forms"][0]["funding"][0]["grade"]
    strict = tmp_path / "strict.toml"
    strict.write_text("[funding]\ngreen_max_gap = 0.0\nyellow_max_gap = 0.01\n", encoding="utf-8")
    main(["check", "--format", "json", "--profile", str(strict), str(src)])
    graded = json.loads(capsys.readouterr().out)["files"][0]["forms"][0]["funding"][0]["grade"]
    assert (default, graded) == ("green", "red")  # gap 50 % − 48.39 % = 1.6 pp


def as_template(path, out):
    """An .xlsx saved again as Excel saves a template (.xltx): the same parts, the workbook's type a template's."""
    import zipfile

    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"spreadsheetml.template.main+xml")
            dst.writestr(info.filename, data)
    return out


def test_a_template_is_checked_and_its_copies_are_workbooks_excel_opens(tmp_path, capsys):
    """A form filled in and saved as a template (.xltx) is read as the .xlsx it is; its marked and cleared copies
    are .xlsx files that say so: Excel refuses to open an .xlsx whose workbook declares itself a template."""
    import zipfile

    src = as_template(faulty(tmp_path), tmp_path / "单位.xltx")
    assert main(["check", str(src), "--annotate", str(tmp_path / "标注.xltx")]) == 2
    assert "扩展名应为 .xlsx" in capsys.readouterr().err
    out = tmp_path / "标注.xlsx"
    assert main(["check", str(src), "--annotate", str(out)]) == 1 and out.exists()
    assert main(["clear", str(out)]) == 0
    cleared = tmp_path / "标注-已清除.xlsx"
    for copy in (out, cleared):
        types = zipfile.ZipFile(copy).read("[Content_Types].xml")
        assert b"sheet.main+xml" in types and b"template" not in types, copy
    assert [(d.code, d.cell) for d in check_file(out).diagnostics] == [(d.code, d.cell) for d in check_file(src).diagnostics]


def test_an_xlsx_renamed_et_is_marked_and_cleared_as_the_xlsx_it_is(tmp_path, capsys):
    """An .xlsx renamed .et is read as the .xlsx inside; marking it ended as 内部错误, openpyxl going by its name."""
    src = tmp_path / "单位.et"
    src.write_bytes(faulty(tmp_path).read_bytes())
    out = tmp_path / "标注.xlsx"
    assert main(["check", str(src), "--annotate", str(out)]) == 1 and out.exists()
    assert "内部错误" not in capsys.readouterr().err
    assert [(d.code, d.cell) for d in check_file(out).diagnostics] == [(d.code, d.cell) for d in check_file(src).diagnostics]
    assert main(["check", str(src), "--annotate", str(tmp_path / "标注.et")]) == 2
    assert "扩展名应为 .xlsx" in capsys.readouterr().err
    renamed = tmp_path / "标注2.et"
    renamed.write_bytes(out.read_bytes())
    assert main(["clear", str(renamed)]) == 0 and (tmp_path / "标注2-已清除.xlsx").is_file()


def with_results(path, results: dict[str, str]):
    """The file as Excel saves it: each formula (its text → the result Excel worked out) with its result."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            for formula, result in results.items():
                data = data.replace(f"<f>{formula}</f><v></v>".encode(), f"<f>{formula}</f><v>{result}</v>".encode())
            z.writestr(info, data)
    return path


def test_a_formula_the_unit_typed_keeps_its_result_in_the_marked_and_cleared_copies(tmp_path, capsys):
    """A 支出数 typed as =60+44.64, which Excel saved with its result: the marked copy (and the copy cleared of its
    marks) held the formula without it, so reading either said N006 (结果未知) and lost every finding on that row."""
    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding["中央财政资金"][5] = "=60+44.64"
    src = write_grid(tmp_path / "单位.xlsx", project_grid(funding=funding, indicators=SAMPLE_INDICATORS))
    wb = load_workbook(src)
    [cell] = [c for row in wb["表1"].iter_rows() for c in row if c.value == "=60+44.64"]
    cell.data_type = "f"
    wb.save(src)
    with_results(src, {"60+44.64": "104.64"})
    before = check_file(src)
    assert before.forms[0].funding[1].spent == 104.64 and "N006" not in {d.code for d in before.diagnostics}
    out, cleared = tmp_path / "标注.xlsx", tmp_path / "已清除.xlsx"
    main(["check", str(src), "--annotate", str(out)])
    assert main(["clear", str(out), "-o", str(cleared)]) == 0
    for copy in (out, cleared):
        again = check_file(copy)
        assert again.forms[0].funding[1].spent == 104.64, copy
        assert [(d.code, d.cell, d.message) for d in again.diagnostics] == \
            [(d.code, d.cell, d.message) for d in before.diagnostics], copy
    assert load_workbook(cleared)["表1"][cell.coordinate].value == "=60+44.64"
    capsys.readouterr()


def test_clear_takes_off_the_marks_of_rows_the_unit_moved_in_the_marked_copy(tmp_path, capsys):
    """The unit adds an indicator row in the marked copy, then clears it: the marks below the new row stayed on (red
    and yellow fills, xlmon's notes), the record of marks being by address. A marked cell whose row moved is found by
    the texts of its row, and cleared there."""
    src = faulty(tmp_path)
    out, cleared = tmp_path / "标注.xlsx", tmp_path / "已清除.xlsx"
    main(["check", str(src), "--annotate", str(out)])
    at = check_file(src).forms[0].indicators[1].row
    for path in (src, out):
        wb = load_workbook(path)
        wb["表1"].insert_rows(at)
        wb.save(tmp_path / f"插行{path.name}")
    assert fills(tmp_path / "插行标注.xlsx") and main(["clear", str(tmp_path / "插行标注.xlsx"), "-o", str(cleared)]) == 0
    assert fills(cleared) == fills(tmp_path / "插行单位.xlsx") == {}
    assert [c.coordinate for row in load_workbook(cleared)["表1"].iter_rows() for c in row if c.comment] == []
    capsys.readouterr()
