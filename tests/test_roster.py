"""`--roster`: the list of units expected to report, as finance staff save it from Excel or WPS."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from handmade import project_grid
from test_check import write_grid
from test_consolidate import run, write_form
from xlmon.cli import main
from xlmon.consolidate.roster import read_roster

UNITS = ["市财政局", "市教育局", "市卫生健康委员会"]


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8", sep: str = ",") -> Path:
    text = "".join(sep.join("" if c is None else str(c) for c in row) + "\r\n" for row in rows)
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def numbered(header: str = "单位名称") -> list[list[object]]:
    return [["序号", header], *([i, u] for i, u in enumerate(UNITS, 1))]


# 1. encodings: Chinese Excel and WPS save CSV in GBK; "Unicode 文本" is UTF-16 with tabs

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le-bom"])
def test_encodings_excel_and_wps_save(tmp_path, encoding):
    rows = numbered()
    if encoding == "utf-16-le-bom":  # Excel "Unicode 文本(*.txt)": UTF-16 LE with a BOM, tab separated
        path = tmp_path / "名单.txt"
        path.write_bytes(b"\xff\xfe" + "".join("\t".join(map(str, r)) + "\r\n" for r in rows).encode("utf-16-le"))
    else:
        path = write_csv(tmp_path / "名单.csv", rows, encoding)
    assert read_roster(path) == UNITS


def test_gbk_roster_with_title_and_numbers_lists_the_missing_units(tmp_path, capsys):
    write_form(tmp_path / "u.xlsx", unit="市财政局", project="项目甲")
    roster = write_csv(tmp_path / "名单.csv", [["2026年应报送单位名单", None], *numbered()], "gbk")
    _, data = run(capsys, tmp_path / "u.xlsx", "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == UNITS[1:]


# 2. the names come from the column headed 单位…, not from 序号

@pytest.mark.parametrize("header", ["单位名称", "预算单位", "应报送单位", "单位", "单位名称（全称）", "预算单位 名称"])
def test_names_from_the_column_headed_unit(tmp_path, header):
    assert read_roster(write_csv(tmp_path / "r.csv", numbered(header))) == UNITS


def test_unit_code_column_is_not_the_names(tmp_path):
    rows = [["序号", "单位代码", "单位名称"], *([i, f"10100{i}", u] for i, u in enumerate(UNITS, 1))]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == UNITS


def test_without_header_the_first_column_of_text(tmp_path):
    rows = [[i, u, "是"] for i, u in enumerate(UNITS, 1)]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == UNITS


# 3. title rows, blank rows and numbers

@pytest.mark.parametrize("title", ["2026年应报送单位名单", "应报送单位名单", "某市2026年上半年预算绩效运行监控应报送单位名单"])
def test_title_row_above_the_header_is_skipped(tmp_path, title):
    rows = [[title, None], [None, None], *numbered(), [None, None], [4, None], [None, 5]]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == UNITS


def test_header_is_never_a_unit_and_a_unit_named_like_a_header_stays(tmp_path):
    rows = [["单位名称"], ["某县事业单位登记管理局"], *([u] for u in UNITS[:2]), ["单位名称"], [UNITS[2]]]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == ["某县事业单位登记管理局", *UNITS]


def test_a_unit_listed_twice_is_listed_once(tmp_path):
    rows = [["单位名称"], *([u] for u in UNITS), [" 市 财政局 "]]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == UNITS


def test_a_unit_listed_with_its_code_and_again_without_it_is_one_unit(tmp_path, capsys):
    """某校（101001012） and 某校 match the same forms: listed both ways it is one unit, said once to have sent nothing
    (it was twice, and counted twice), the unit of its code whichever comes first; two codes are two units."""
    rows = [["单位名称"], ["某市社会福利院（101001012）"], ["某市第一中学"], ["某市\u3000社会福利院"],
            ["101001001 某市第一中学"], ["机关服务中心（101003）"], ["机关服务中心（102003）"]]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == [
        "某市社会福利院（101001012）", "某市第一中学（101001001）", "机关服务中心（101003）", "机关服务中心（102003）"]
    units = reporting(tmp_path / "units", {"某市第一中学": "某市教育局（101001）"})
    _, data = run(capsys, units, "-o", tmp_path / "s.xlsx", "--roster", tmp_path / "r.csv")
    assert data["missing_units"] == ["某市社会福利院（101001012）", "机关服务中心（101003）", "机关服务中心（102003）"]
    assert data["roster"]["units"] == 4 and len(by_code(data, "K003")) == 3


@pytest.mark.parametrize("header", [["编码", "名称"], ["单位代码", "单位名称及代码"], ["部门编码", "部门名称"],
                                    ["序号", "主管部门"], ["主管部门", "单位名称"], ["部门名称", "预算单位"]])
def test_names_from_the_column_of_names_of_other_headers(tmp_path, header):
    """名称 beside its code, names with their codes, a bureau's list of departments: the header is no unit; of a
    list of units with their departments, the units are the names."""
    rows = [header, *([f"10100{i}", u] if header[0] != "序号" else [i, u] for i, u in enumerate(UNITS, 1))]
    if header[0] in ("主管部门", "部门名称"):
        rows = [header, *(["某市财政局", u] for u in UNITS)]
    assert read_roster(write_csv(tmp_path / "r.csv", rows, "gbk")) == UNITS


PREAMBLES = [[["2026年应报送单位名单"], ["主管部门：", "某市教育局"], ["序号", "单位名称"]],
             [["编制部门", "某市教育局"], ["单位名称"]],
             [["填报部门：", "某市教育局", "填报日期：", "2026-07-05"], ["序号", "单位名称", "备注"]],
             [["填报单位", "某市教育局（盖章）"], ["序号", "单位"]],
             [["主管部门", "某市教育局"], [None, None], ["序号", "单位", "联系电话"]],
             [["单位名称", "某市教育局"], ["序号", "单位名称", "2026年预算数（万元）"]]]


@pytest.mark.parametrize("preamble", PREAMBLES)
def test_a_line_above_the_header_naming_the_department_is_no_header(tmp_path, preamble):
    """主管部门：| 某市教育局 above 序号 | 单位名称, as exported lists have: a label with its value, not the header."""
    header = preamble[-1]
    column = next(i for i, c in enumerate(header) if c and c.startswith("单位"))
    rows = [*preamble, *([i, None, None][:column] + [u] for i, u in enumerate(UNITS, 1))]
    assert read_roster(write_xlsx(tmp_path / "名单.xlsx", rows)) == UNITS
    assert read_roster(write_csv(tmp_path / "名单.csv", rows, "gbk")) == UNITS


def test_of_the_header_lines_the_best_with_names_below_is_the_header(tmp_path):
    """主管部门 (a department's header) above 单位名称: the units' names are below 单位名称; a header with no names
    below it before another as good is no header."""
    rows = [["主管部门"], ["某市教育局"], ["单位名称"], *([u] for u in UNITS)]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == UNITS
    rows = [["部门"], ["主管部门", "单位名称"], *(["某市教育局", u] for u in UNITS)]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == UNITS
    departments = [["部门名称"], *([u] for u in UNITS), ["市直其他单位"], ["某市民政局"]]  # a name in the list
    assert read_roster(write_csv(tmp_path / "r.csv", departments)) == [*UNITS, "市直其他单位", "某市民政局"]


def test_a_departments_roster_with_a_preamble_matches_its_units_forms(tmp_path, capsys):
    units = reporting(tmp_path / "units", dict.fromkeys(UNITS[:2], "某市教育局"))
    roster = write_xlsx(tmp_path / "应报送单位名单.xlsx", [["2026年应报送单位名单"], ["主管部门：", "某市教育局"],
                                                          ["序号", "单位名称"], *numbered()[1:]])
    _, data = run(capsys, units, "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == UNITS[2:] and data["unlisted_units"] == []


@pytest.mark.parametrize("title", ["2026年应报送单位名单", "应报送单位名单（共3家）", "2026年上半年预算绩效运行监控报送单位"])
def test_a_title_without_a_header_is_no_unit(tmp_path, title):
    assert read_roster(write_csv(tmp_path / "r.csv", [[title], *([u] for u in UNITS)], "gbk")) == UNITS
    below = [[title], *([u] for u in UNITS), ["2022年冬奥会筹备工作领导小组办公室"]]  # a title is above the names
    assert read_roster(write_csv(tmp_path / "r.csv", below, "gbk")) == [*UNITS, "2022年冬奥会筹备工作领导小组办公室"]


def test_a_unit_named_from_a_year_is_a_unit_first_on_the_list(tmp_path, capsys):
    """2022年冬奥会筹备办公室 first below the header is a unit; a year-led line is a title when it reads as one."""
    rows = [["序号", "单位名称", "备注"], [1, "2022年冬奥会筹备办公室", None], *([i, u, None] for i, u in enumerate(UNITS, 2))]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == ["2022年冬奥会筹备办公室", *UNITS]
    assert read_roster(write_csv(tmp_path / "r.csv", [["2022年冬奥会筹备办公室"], *([u] for u in UNITS)])) == [
        "2022年冬奥会筹备办公室", *UNITS]
    for title in ("2026年预算绩效运行监控表", "2026年上半年应报单位", "2026年预算绩效运行监控报送单位"):
        assert read_roster(write_csv(tmp_path / "r.csv", [[title], *([u] for u in UNITS)])) == UNITS
    alone = [["2026年上半年预算绩效运行监控"], *([u, "是"] for u in UNITS)]  # alone in its row above the names
    assert read_roster(write_csv(tmp_path / "r.csv", alone)) == UNITS
    units = reporting(tmp_path / "units", {"2022年冬奥会筹备办公室": "某市体育局", UNITS[0]: "某市体育局"})
    roster = write_csv(tmp_path / "名单.csv", rows[:3])
    _, data = run(capsys, units, "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == []


@pytest.mark.parametrize("total", [["合计", "3个单位"], [None, "共3家"], ["总计：3个单位", None], [None, "合计3个"],
                                   [None, "市直单位小计"]])
def test_a_total_row_is_no_unit(tmp_path, total):
    assert read_roster(write_csv(tmp_path / "r.csv", [*numbered(), total])) == UNITS


@pytest.mark.parametrize("total", ["合计：3个单位", "共3个单位", "合计 3个部门"])
def test_a_total_below_a_list_without_header_is_no_header(tmp_path, total):
    """合计：3个单位 ends as a header does (…单位): below a short list with no header it was taken for the header,
    with no names below it, and the roster for one without names."""
    assert read_roster(write_csv(tmp_path / "r.txt", [*([u] for u in UNITS), [total]], "gbk")) == UNITS
    assert read_roster(write_csv(tmp_path / "r.csv", [*([i, u] for i, u in enumerate(UNITS, 1)), [None, total]])) == UNITS


def test_a_note_of_a_total_beside_a_unit_makes_no_total_row(tmp_path):
    """备注 含下属单位合计 or 小计 beside a unit's name: the unit is listed, not dropped as a total row."""
    rows = [["序号", "单位名称", "备注"], [1, UNITS[0], "含下属单位合计"], [2, UNITS[1], "小计"], [3, UNITS[2], "合计数"],
            ["合计", "3个单位", None]]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == UNITS
    rows = [["单位名称", "备注"], *([u, "含下属单位合计"] for u in UNITS)]
    assert read_roster(write_xlsx(tmp_path / "r.xlsx", rows)) == UNITS


def test_a_name_exported_with_its_code_in_front_is_the_unit_with_its_code(tmp_path, capsys):
    rows = [["101001001 某市第一中学"], ["101001-002　某市第二中学"], ["101001003、某市第三中学"], ["1 某市第四中学"],
            ["ABC 某市第五中学"], ["101001006"]]
    assert read_roster(write_csv(tmp_path / "r.csv", rows, "gbk")) == [
        "某市第一中学（101001001）", "某市第二中学（101001-002）", "某市第三中学（101001003）", "1 某市第四中学",
        "ABC 某市第五中学"]
    (tmp_path / "in").mkdir()
    for unit in ("某市第一中学", "某市第二中学（101001002）"):
        write_form(tmp_path / "in" / f"{unit}.xlsx", unit=unit, project="项目")
    roster = write_csv(tmp_path / "名单.csv", [["101001001 某市第一中学"], ["101001002 某市第二中学"]], "gbk")
    _, data = run(capsys, tmp_path / "in", "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == []


def test_a_name_that_starts_with_a_short_number_is_no_code(tmp_path, capsys):
    """12345 政务服务热线 is the unit 12345政务服务热线, as its form writes it: a unit's code has 6 digits or more."""
    rows = [["单位名称"], ["12345 政务服务热线"], ["110 指挥中心"], ["101001-001 某市第一中学"]]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == ["12345 政务服务热线", "110 指挥中心",
                                                                "某市第一中学（101001-001）"]
    units = reporting(tmp_path / "units", {"12345政务服务热线": "某市政务服务管理局", "110指挥中心": "某市公安局"})
    _, data = run(capsys, units, "-o", tmp_path / "s.xlsx", "--roster", tmp_path / "r.csv")
    assert data["missing_units"] == ["某市第一中学（101001-001）"] and data["unlisted_units"] == []


def test_a_bureau_roster_headed_as_departments_lists_the_departments(tmp_path, capsys):
    for department in ("某市教育局（101001）", "某市卫生健康委员会（102001）"):
        folder = reporting(tmp_path / department, {department[:4] + "单位": department})
        run(capsys, folder, "-o", tmp_path / "inbox" / f"{department}.xlsx")
    for header in ("部门名称", "主管部门"):
        roster = write_csv(tmp_path / "部门名单.csv", [[header], ["某市教育局"], ["某市卫生健康委员会"], ["某市财政局"]])
        _, data = run(capsys, tmp_path / "inbox", "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
        assert data["missing_units"] == ["某市财政局"] and data["unlisted_units"] == []


# 4. missing and unreadable rosters: a Chinese message naming the file, exit 2 from the CLI

def roster_error(path: Path) -> str:
    with pytest.raises(ValueError) as info:
        read_roster(path)
    message = str(info.value)
    assert str(path) in message and "Errno" not in message and "codec" not in message
    return message


def test_missing_roster(tmp_path):
    assert "不存在" in roster_error(tmp_path / "名单.csv")
    assert "不存在" in roster_error(tmp_path / "名单.xlsx")
    assert "不是文件" in roster_error(tmp_path)


def test_missing_roster_through_the_cli(tmp_path, capsys):
    roster = tmp_path / "名单.csv"
    code = main(["consolidate", str(tmp_path), "-o", str(tmp_path / "s.xlsx"), "--roster", str(roster)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"单位名单 {roster} 不存在" in err and "Errno" not in err and "Traceback" not in err
    assert not (tmp_path / "s.xlsx").exists()


def test_binary_file_named_csv(tmp_path):
    path = tmp_path / "名单.csv"
    write_xlsx(tmp_path / "x.xlsx", numbered()).rename(path)
    assert "无法读取" in roster_error(path)


def test_a_roster_saved_as_old_xls_is_read(tmp_path, soffice):
    from conftest import libreoffice_convert

    [saved] = libreoffice_convert(soffice, [write_xlsx(tmp_path / "名单.xlsx", numbered())], tmp_path / "xls",
                                  "xls:MS Excel 97")
    assert read_roster(saved) == UNITS


def test_a_wps_et_roster_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "名单.et"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    message = roster_error(path)
    assert "无法读取" in message and "WPS" in message and ".xlsx" in message


def test_damaged_xlsx(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert "无法读取" in roster_error(path)


def test_unreadable_roster(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "名单.csv", numbered())

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert "无法读取（没有权限，或文件正被其他程序" in roster_error(path)


def test_roster_without_names(tmp_path):
    assert "没有找到单位名称" in roster_error(write_csv(tmp_path / "r.csv", [["单位名称"], [1], [None]]))
    assert "没有找到单位名称" in roster_error(write_csv(tmp_path / "empty.csv", []))


def test_a_form_or_a_summary_given_as_the_roster_is_refused_as_such(tmp_path, capsys):
    """A unit's form or a summary chosen as the roster by mistake: its labels (1-6月指标完成情况…) were listed
    as the units that did not report. It is refused, saying what the file is."""
    (tmp_path / "units").mkdir()
    form = write_form(tmp_path / "units" / "一中.xlsx", unit="一中", project="项目")
    with pytest.raises(ValueError, match="是绩效运行监控表，不是单位名单"):
        read_roster(form)
    run(capsys, tmp_path / "units", "-o", tmp_path / "汇总.xlsx")
    with pytest.raises(ValueError, match="是 xlmon 生成的汇总表，不是单位名单"):
        read_roster(tmp_path / "汇总.xlsx")


# 5. what worked before still works

def test_plain_one_column_csv_without_header(tmp_path):
    assert read_roster(write_csv(tmp_path / "r.csv", [[u] for u in UNITS])) == UNITS


def test_one_column_with_header_as_before(tmp_path):
    rows = [["单位名称"], ["单位甲"], ["单位乙"]]
    assert read_roster(write_csv(tmp_path / "r.csv", rows)) == ["单位甲", "单位乙"]


def test_xlsx_roster_with_title_header_and_numbers(tmp_path):
    rows = [["2026年应报送单位名单"], [], *numbered("预算单位")]
    assert read_roster(write_xlsx(tmp_path / "名单.xlsx", rows)) == UNITS


def test_xlsx_roster_one_column(tmp_path):
    assert read_roster(write_xlsx(tmp_path / "名单.xlsx", [[u] for u in UNITS])) == UNITS


# 5. units that reported but are not on the roster (K004), each side naming its likely counterpart

def reporting(folder: Path, units: dict[str, str]) -> Path:
    """One project form per unit (unit → 主管部门及代码)."""
    folder.mkdir(exist_ok=True)
    for i, (unit, department) in enumerate(units.items()):
        write_grid(folder / f"u{i}.xlsx", project_grid(unit=unit, department=department, project=f"项目{i}"))
    return folder


def by_code(data: dict, code: str) -> list[str]:
    return [d["message"] for d in data["diagnostics"] if d["code"] == code]


def test_a_unit_written_another_way_is_named_on_both_sides(tmp_path, capsys):
    units = reporting(tmp_path / "units", {"某局": "某市某局", "市教育局": "某市某局", "市体育馆": "某市某局"})
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某局（本级）"], ["市教育局"], ["某县第一中学"]])
    code, data = run(capsys, units, "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert code == 0
    assert data["missing_units"] == ["某局（本级）", "某县第一中学"]
    assert data["unlisted_units"] == ["某局", "市体育馆"]
    [k004_alike, k004_other] = sorted(by_code(data, "K004"), key=lambda m: "体育馆" in m)
    assert "“某局”" in k004_alike and "未报送的“某局（本级）”可能是同一单位" in k004_alike
    assert "“市体育馆”" in k004_other and "加入名单" in k004_other and "可能是同一单位" not in k004_other
    [k003_alike, k003_other] = sorted(by_code(data, "K003"), key=lambda m: "第一中学" in m)
    assert "已报送的“某局”可能是同一单位" in k003_alike
    assert "可能是同一单位" not in k003_other and "某县第一中学" in k003_other
    k004 = next(d for d in data["diagnostics"] if d["code"] == "K004" and "体育馆" in d["message"])
    assert k004["file"].endswith("u2.xlsx") and k004["severity"] == "warning"


def test_a_short_name_inside_the_full_one_is_a_likely_counterpart(tmp_path, capsys):
    units = reporting(tmp_path / "units", {"第一中学": "某县教育局"})
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某县第一中学"], ["某县第二中学"]])
    _, data = run(capsys, units, "-o", tmp_path / "s.xlsx", "--roster", roster)
    [k004] = by_code(data, "K004")
    assert "“某县第一中学”可能是同一单位" in k004 and "第二中学" not in k004


def test_several_likely_counterparts_are_left_to_the_reviewer(tmp_path, capsys):
    units = reporting(tmp_path / "units", {"某局": "某市某局"})
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某局（本级）"], ["某局（机关服务中心）"]])
    _, data = run(capsys, units, "-o", tmp_path / "s.xlsx", "--roster", roster)
    [k004] = by_code(data, "K004")
    assert "可能是同一单位" not in k004 and "请核对单位名称与名单是否一致" in k004


def test_a_namesake_of_another_code_is_not_the_rosters_unit(tmp_path, capsys):
    """机关服务中心（101001050） on the roster and 机关服务中心（103001050） of another department reporting: two codes are
    two units (names.Units), so the roster's sent nothing and the other is not on it; it was taken for the roster's.
    Written without a code on either side, a name is still each unit of its name."""
    units = reporting(tmp_path / "units", {"某市第一中学（101001001）": "某市教育局（101001）",
                                           "机关服务中心（103001050）": "某市民政局（103001）"})
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某市第一中学"], ["机关服务中心（101001050）"]])
    _, data = run(capsys, units, "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == ["机关服务中心（101001050）"]
    assert data["unlisted_units"] == ["机关服务中心（103001050）"]
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某市第一中学（101001001）"], ["机关服务中心"]])
    _, data = run(capsys, units, "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == []


def test_no_roster_no_unlisted_units(tmp_path, capsys):
    units = reporting(tmp_path / "units", {"某局": "某市某局"})
    _, data = run(capsys, units, "-o", tmp_path / "s.xlsx")
    assert data["unlisted_units"] == [] and not by_code(data, "K004")


def test_a_bureau_roster_of_departments_matches_their_forms(tmp_path, capsys):
    """A bureau lists departments: a form answers for its 主管部门, with or without the code in brackets; a department
    not on it is the name not on it (its unit named in K004)."""
    units = reporting(tmp_path / "units", {"第一中学": "某市教育局（101001）", "市医院": "某市卫生健康委员会",
                                           "某协会": "某市民政局"})
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某市教育局"], ["某市卫生健康委员会"], ["某市财政局"]])
    _, data = run(capsys, units, "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市财政局"] and data["unlisted_units"] == ["某市民政局"]
    assert by_code(data, "K004") == ["部门（单位）“某市民政局”报送了监控表（其下 1 个单位：某协会），但不在部门（单位）名单中；"
                                     "请核对部门名称，或把该部门加入名单。"]


def test_a_departments_own_unit_listed_by_the_departments_name_reports_only_as_a_unit(tmp_path, capsys):
    """A department's roster lists its 本级 unit by the department's name beside its schools: every form names that
    department as 主管部门, which is no report of the 本级 unit, nor puts a school that is not listed on the roster."""
    schools = {"某市第一中学": "某市教育局（101001）", "某市第二中学": "某市教育局（101001）",
               "某市实验小学": "某市教育局（101001）"}
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某市教育局"], ["某市第一中学"], ["某市第二中学"]])
    _, data = run(capsys, reporting(tmp_path / "units", schools), "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市教育局"] and data["unlisted_units"] == ["某市实验小学"]
    assert by_code(data, "K003") == ["名单中的单位“某市教育局”没有报送监控表。"]
    _, data = run(capsys, reporting(tmp_path / "all", {"某市教育局": "某市教育局（101001）", **schools}),
                  "-o", tmp_path / "t.xlsx", "--roster", roster)  # the 本级 unit's own form, named as the department
    assert data["missing_units"] == [] and data["unlisted_units"] == ["某市实验小学"]


def test_a_units_form_of_another_period_is_no_form_of_its_department_on_a_roster_of_units(tmp_path, capsys):
    write_form(tmp_path / "u1.xlsx", unit="一中", project="项目")
    write_form(tmp_path / "u2.xlsx", unit="二中", project="项目", period="（2026年1-5月）")
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某市教育局"], ["一中"], ["二中"]])
    _, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市教育局", "二中"]
    assert sorted(by_code(data, "K003")) == sorted([
        "名单中的单位“某市教育局”没有报送监控表。",
        "名单中的单位“二中”报送的监控表期间为 2026年1-5月，与多数单位的 2026年1-6月 不一致，未纳入汇总。"])


def test_a_bureau_roster_of_departments_matches_their_summaries(tmp_path, capsys):
    """A bureau consolidating departments' summaries: each department's summary answers for it, its 本级 unit named
    as the department among its units or not; the roster may also list the units of a department it takes directly,
    which are then each to be on it."""
    for department, units in (("某市教育局（101001）", ["某市教育局", "一中"]), ("某市民政局（103001）", ["某协会"])):
        folder = reporting(tmp_path / department, dict.fromkeys(units, department))
        run(capsys, folder, "-o", tmp_path / "inbox" / f"{department}.xlsx")
    reporting(tmp_path / "direct", {"某市财政局": "某市财政局", "市国库支付中心": "某市财政局", "市票据中心": "某市财政局"})
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某市教育局"], ["某市民政局"], ["某市卫生健康委员会"],
                                             ["某市财政局"], ["市国库支付中心"]])
    _, data = run(capsys, tmp_path / "inbox", tmp_path / "direct", "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市卫生健康委员会"] and data["unlisted_units"] == ["市票据中心"]


def test_a_bureau_roster_listing_a_unit_beside_the_departments_takes_a_departments_summary_for_it(tmp_path, capsys):
    """A bureau's roster lists its departments and a unit that reports straight to it, one of 某市教育局's: the
    department's summary answers for the department, and the units it consolidated are not unlisted (K004)."""
    schools = dict.fromkeys(["某市第一中学", "某市第二中学", "某市实验小学"], "某市教育局（101001）")
    run(capsys, reporting(tmp_path / "edu", schools), "-o", tmp_path / "inbox" / "教育局汇总.xlsx")
    reporting(tmp_path / "inbox", {"某市疾控中心": "某市卫生健康委员会"})
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某市教育局"], ["某市卫生健康委员会"], ["某市第一中学"],
                                             ["某市民政局"]])
    _, data = run(capsys, tmp_path / "inbox", "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市民政局"] and data["unlisted_units"] == []


def test_a_departments_own_roster_with_its_earlier_summary_still_lists_its_units_one_by_one(tmp_path, capsys):
    """The department's own roster (its name for its 本级 unit, most of its units) with its earlier summary among the
    inputs: the summary is no form of the 本级 unit, and a unit not on the roster is K004."""
    schools = dict.fromkeys(["某市第一中学", "某市第二中学", "某市实验小学"], "某市教育局（101001）")
    run(capsys, reporting(tmp_path / "edu", schools), "-o", tmp_path / "部门汇总.xlsx")
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某市教育局"], ["某市第一中学"], ["某市第二中学"]])
    _, data = run(capsys, tmp_path / "部门汇总.xlsx", "-o", tmp_path / "新汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市教育局"] and data["unlisted_units"] == ["某市实验小学"]


def form_record(unit: str, department: str | None, kind: str = "project", **more):
    from xlmon.consolidate.records import FormRecord

    return FormRecord(kind=kind, file=more.pop("file", f"{unit}.xlsx"), sheet="表1", unit=unit, project="项目",
                      department=department, code=None, year=2026, months=6, **more)


def test_a_units_department_form_is_listed_where_its_project_forms_are():
    """A unit's 部门整体 form names no department (its 主管部门 line names the unit): on a bureau's roster of
    departments the unit is listed by its project forms' department, not K004 for its 部门整体."""
    from xlmon.consolidate.roster import compare_roster

    via = {"file": "教育局汇总.xlsx", "source": "特教.xlsx"}
    records = [form_record("某市特殊教育学校（101001004）", "某市教育局", **via),
               form_record("某市特殊教育学校（101001004）", "某市特殊教育学校（101001004）", "department", **via),
               form_record("某协会", "某市民政局", "department")]
    assert compare_roster(["某市教育局", "某市民政局"], records) == (["某市民政局"], {"某协会": "某协会.xlsx"}, {})


def test_a_unit_with_only_its_department_form_in_a_departments_summary_is_that_departments():
    """A unit that sent its department only its 部门整体 form (no project form names its 主管部门): read back from
    the department's summary it is one of that department's units on a bureau's roster of departments, not K004;
    sent straight to the bureau it tells no department and stays K004."""
    from xlmon.consolidate.roster import compare_roster

    via = {"file": "教育局汇总.xlsx", "source": "一中.xlsx"}
    records = [form_record("某市第一中学", "某市教育局", **via),
               form_record("某市教育考试院", "某市教育考试院", "department", file="教育局汇总.xlsx",
                           source="考试院.xlsx"),
               form_record("某协会", "某协会", "department")]
    assert compare_roster(["某市教育局", "某市民政局"], records) == (["某市民政局"], {"某协会": "某协会.xlsx"}, {})


def test_a_departments_own_completed_department_form_answers_for_it_and_its_units():
    """A department whose completed 部门整体 (from its summary) is consolidated answers for itself on a bureau's roster
    listing one of its units too, and its other units are no K004; without it, the roster is taken for the
    department's own, listing its units one by one."""
    from xlmon.consolidate.roster import compare_roster

    units = [form_record(u, "某市教育局") for u in ("某市第一中学", "某市第二中学", "某市实验小学")]
    own = form_record("某市教育局（101001）", "某市教育局（101001）", "department", file="教育局汇总.xlsx",
                      units=["某市第一中学", "某市第二中学", "某市实验小学"])
    roster = ["某市教育局", "某市卫生健康委员会", "某市第一中学"]
    assert compare_roster(roster, [*units, own]) == (["某市卫生健康委员会"], {}, {})
    assert compare_roster(roster, units)[:2] == (["某市教育局", "某市卫生健康委员会"],
                                                 {"某市第二中学": "某市第二中学.xlsx", "某市实验小学": "某市实验小学.xlsx"})


def test_a_unit_whose_form_is_of_another_period_is_not_said_to_have_sent_nothing(tmp_path, capsys):
    for i, (unit, period) in enumerate((("一中", "（2026年1-6月）"), ("二中", "（2026年1-6月）"), ("三中", "（2026年1-5月）"))):
        write_form(tmp_path / f"u{i}.xlsx", unit=unit, project="项目", period=period)
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["一中"], ["二中"], ["三中"], ["四中"]])
    _, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == ["三中", "四中"]
    other, none = sorted(by_code(data, "K003"), key=lambda m: "四中" in m)
    assert other == "名单中的单位“三中”报送的监控表期间为 2026年1-5月，与多数单位的 2026年1-6月 不一致，未纳入汇总。"
    assert none == "名单中的单位“四中”没有报送监控表。"
    note = load_workbook(tmp_path / "out" / "s.xlsx")["汇总表"]["A2"].value  # and where the count is given
    assert "未报送 2 个：三中、四中（其中 1 个报送的是其他期间的表）" in note
    assert main(["consolidate", str(tmp_path), "-o", str(tmp_path / "out" / "s2.xlsx"), "--roster", str(roster)]) == 0
    out = capsys.readouterr().out
    assert "未报送：三中（报送的是 2026年1-5月 的表，期间不符，未纳入）" in out and "未报送：四中\n" in out


def test_a_unit_whose_file_was_left_out_is_not_said_to_have_sent_nothing(tmp_path, capsys):
    """A unit that sent its form zipped, and one that sent the blank template back, were listed with the units that
    sent nothing (名单中的单位“…”没有报送监控表), beside the F009 and S131 of their own files: the department would
    chase them for a file they had sent. They are now said to have sent a file that could not be taken, named; so is
    one that sent its form typed in Word, a file no workbook that is not read."""
    import zipfile

    for i, unit in enumerate(("一中", "二中")):
        write_form(tmp_path / f"u{i}.xlsx", unit=unit, project="项目", period="（2026年1-6月）")
    write_form(tmp_path / "form.xlsx", unit="某市第三中学", project="项目", period="（2026年1-6月）")
    with zipfile.ZipFile(tmp_path / "某市第三中学6月监控表.zip", "w") as z:
        z.write(tmp_path / "form.xlsx", "某市第三中学.xlsx")
    (tmp_path / "form.xlsx").unlink()
    assert main(["template", "project", "-o", str(tmp_path / "四中.xlsx"), "--unit", "四中"]) == 0
    capsys.readouterr()
    (tmp_path / "某市第六中学监控表.docx").write_bytes(b"PK\x03\x04 a form typed in Word")
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["一中"], ["二中"], ["某市第三中学"], ["四中"], ["五中"],
                                              ["某市第六中学"]])
    _, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市第三中学", "四中", "五中", "某市第六中学"]
    assert sorted(by_code(data, "K003")) == sorted([
        "名单中的单位“某市第三中学”报送的文件 某市第三中学6月监控表.zip 未能纳入汇总。",
        "名单中的单位“四中”报送的文件 四中.xlsx 未能纳入汇总。",
        "名单中的单位“五中”没有报送监控表。", "名单中的单位“某市第六中学”报送的文件 某市第六中学监控表.docx 未能纳入汇总。"])
    note = load_workbook(tmp_path / "out" / "s.xlsx")["汇总表"]["A2"].value
    assert "未报送 4 个：某市第三中学、四中、五中、某市第六中学（其中 3 个报送的文件未能纳入）" in note
    assert main(["consolidate", str(tmp_path), "-o", str(tmp_path / "out" / "s2.xlsx"), "--roster", str(roster)]) == 0
    out = capsys.readouterr().out
    assert "未报送：四中（报送的文件 四中.xlsx 未能纳入）" in out and "未报送：五中\n" in out
    assert "未报送：某市第六中学（报送的文件 某市第六中学监控表.docx 未能纳入）" in out
    from docx import Document

    said = "未报送 4 个（其中 3 个报送的文件未能纳入）：某市第三中学、四中、五中、某市第六中学"
    for source in (tmp_path, tmp_path / "out" / "s.xlsx"):  # drafted from the units' files or from the summary
        report = tmp_path / "out" / f"r{len(list((tmp_path / 'out').glob('r*.docx')))}.docx"
        assert main(["report", str(source), "-o", str(report), *(["--roster", str(roster)] if source == tmp_path
                                                                  else [])]) == 0
        assert said in "\n".join(p.text for p in Document(report).paragraphs), source


def test_a_unit_whose_form_its_department_left_out_for_its_period_is_said_so_at_the_bureau(tmp_path, capsys):
    """The department's summary carries the K001 of the form it left out, with the unit and period: the bureau's K003
    says what the department's own check says, not that the unit sent nothing."""
    units = tmp_path / "units"
    units.mkdir()
    for i, (unit, period) in enumerate((("一中", "（2026年1-6月）"), ("二中", "（2026年1-6月）"), ("三中", "（2026年1-5月）"))):
        write_form(units / f"u{i}.xlsx", unit=unit, project="项目", period=period)
    run(capsys, units, "-o", tmp_path / "inbox" / "部门汇总.xlsx")
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["一中"], ["二中"], ["三中"], ["四中"]])
    _, data = run(capsys, tmp_path / "inbox", "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["三中", "四中"]
    assert sorted(by_code(data, "K003"), key=lambda m: "四中" in m) == [
        "名单中的单位“三中”报送的监控表期间为 2026年1-5月，与多数单位的 2026年1-6月 不一致，未纳入汇总。",
        "名单中的单位“四中”没有报送监控表。"]
    note = load_workbook(tmp_path / "局汇总.xlsx")["汇总表"]["A2"].value
    assert "未报送 2 个：三中、四中（其中 1 个报送的是其他期间的表）" in note


def test_a_departments_summary_of_another_period_is_one_k001_naming_its_units(tmp_path, capsys):
    """乙局 sent its 1-5月 summary of six units (seven projects), the others 1-6月: one K001 for the summary, which the
    department is to make again, not one a form; it counts the forms and names the first units. The bureau's K003
    still says each of 乙局's roster units sent another period, and so does the city's, from the bureau's summary."""
    inbox = tmp_path / "inbox"
    for department, count, period in (("甲", 4, "（2026年1-6月）"), ("乙", 6, "（2026年1-5月）"), ("丙", 4, "（2026年1-6月）")):
        folder = tmp_path / department
        folder.mkdir()
        for i in range(count):
            for project in ("项目", "二期项目")[:2 if (department, i) == ("乙", 0) else 1]:
                write_form(folder / f"{department}{i}{project}.xlsx", unit=f"{department}单位{i}", project=project,
                           period=period, department=f"某市{department}局")
        assert run(capsys, folder, "-o", inbox / f"{department}汇总.xlsx")[0] == 0
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], *([f"{d}单位{i}"] for d in "甲乙" for i in range(4)),
                                              ["丁单位"]])
    code, data = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert code == 0 and data["period"] == {"year": 2026, "months": 6} and data["projects"] == 8
    [k001] = [d for d in data["diagnostics"] if d["code"] == "K001"]
    assert Path(k001["file"]).name == "乙汇总.xlsx" and (k001["sheet"], k001["cell"]) == (None, None)
    assert k001["message"] == ("该汇总表中的 7 张表（乙单位0、乙单位1、乙单位2、乙单位3、乙单位4 等 6 个单位）的监控期间为 "
                               "2026年1-5月，与多数单位的 2026年1-6月 不一致，未纳入汇总；请部门按 2026年1-6月 重新汇总后报送。")
    assert sum(d["severity"] == "error" for d in data["diagnostics"]) == 1
    other = "报送的监控表期间为 2026年1-5月，与多数单位的 2026年1-6月 不一致，未纳入汇总。"
    expected = sorted([*(f"名单中的单位“乙单位{i}”{other}" for i in range(4)), "名单中的单位“丁单位”没有报送监控表。"])
    assert data["missing_units"] == [*(f"乙单位{i}" for i in range(4)), "丁单位"]
    assert sorted(by_code(data, "K003")) == expected
    _, city = run(capsys, tmp_path / "局汇总.xlsx", "-o", tmp_path / "市汇总.xlsx", "--roster", roster)
    assert sorted(by_code(city, "K003")) == expected
    assert [d["message"] for d in city["diagnostics"] if d["code"] == "K001"] == [k001["message"]]


def test_roster_outcome_on_the_overview_and_not_carried_up(tmp_path, capsys):
    units = reporting(tmp_path / "units", {"某局": "某市某局", "市教育局": "某市某局"})
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某局（本级）"], ["市教育局"]])
    run(capsys, units, "-o", tmp_path / "部门汇总.xlsx", "--roster", roster)
    note = load_workbook(tmp_path / "部门汇总.xlsx")["汇总表"]["A2"].value
    assert "单位名单 2 个，未报送 1 个：某局（本级）" in note and "不在名单中的报送单位 1 个：某局" in note
    _, bureau = run(capsys, tmp_path / "部门汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")
    assert bureau["unlisted_units"] == [] and not by_code(bureau, "K004") and not by_code(bureau, "K003")
    assert "单位名单" not in load_workbook(tmp_path / "局汇总.xlsx")["汇总表"]["A2"].value


def test_a_roster_inside_the_input_folder_is_not_taken_for_a_unit_file(tmp_path, capsys):
    units = reporting(tmp_path / "units", {"某局": "某市某局"})
    roster = write_xlsx(units / "单位名单.xlsx", [["单位名称"], ["某局"], ["某中学"]])
    code, data = run(capsys, units, "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert code == 0 and [Path(f["path"]).name for f in data["files"]] == ["u0.xlsx"]
    assert data["missing_units"] == ["某中学"] and not [d for d in data["diagnostics"] if d["code"] == "F007"]


def test_a_unit_named_by_spaces_alone_is_no_unlisted_unit():
    from xlmon.consolidate.roster import compare_roster
    from xlmon.consolidate.records import FormRecord

    record = FormRecord(kind="project", file="a.xlsx", sheet="表1", unit="　 ", project="项目", department=None,
                        code=None, year=2026, months=6, amounts={}, unknown={}, funding_grade=None, grade=None,
                        indicator_grades={}, likelihoods={}, deviations=[])
    assert compare_roster(["某局"], [record]) == (["某局"], {}, {})


def test_without_the_option_the_roster_kept_in_the_input_folder_is_used(tmp_path, capsys):
    """As the add-in's 汇总 does: the one …名单… file in an input folder is the roster."""
    units = reporting(tmp_path / "units", {"某局": "某市某局"})
    roster = write_csv(units / "应报送单位名单.csv", [["单位名称"], ["某局"], ["某中学"]], "gbk")
    code, data = run(capsys, units, "-o", tmp_path / "s.xlsx")
    assert code == 0 and data["missing_units"] == ["某中学"]
    assert data["roster"] == {"path": str(roster), "units": 2} and data["roster_note"] == ""
    assert [Path(f["path"]).name for f in data["files"]] == ["u0.xlsx"]
    assert main(["consolidate", str(units), "-o", str(tmp_path / "t.xlsx")]) == 0
    out = capsys.readouterr().out
    assert f"单位名单：{roster}（输入文件夹中的名单，应报送 2 个单位）" in out and "未报送：某中学" in out


def test_an_xls_roster_kept_in_the_input_folder_is_used_not_taken_for_a_unit_file(tmp_path, capsys, soffice):
    from conftest import libreoffice_convert

    units = reporting(tmp_path / "units", {"某局": "某市某局"})
    made = write_xlsx(tmp_path / "应报送单位名单.xlsx", [["单位名称"], ["某局"], ["某中学"]])
    [roster] = libreoffice_convert(soffice, [made], units, "xls:MS Excel 97")
    shutil.rmtree(units / "lo-profile")
    code, data = run(capsys, units, "-o", tmp_path / "s.xlsx")
    assert code == 0 and data["missing_units"] == ["某中学"]
    assert data["roster"] == {"path": str(roster), "units": 2} and data["roster_note"] == ""
    assert [Path(f["path"]).name for f in data["files"]] == ["u0.xlsx"]


def test_two_rosters_in_one_of_the_input_folders_are_a_note_naming_that_folder(tmp_path, capsys):
    """Of two input folders, the one holding two rosters is named: the note said 文件夹中有 2 个名单文件…, and which
    of the folders given has them was left to guess."""
    units = reporting(tmp_path / "units", {"某局": "某市某局"})
    others = reporting(tmp_path / "others", {"某所": "某市某局"})
    write_csv(others / "名单.csv", [["单位名称"], ["某所"]])
    write_csv(others / "应报送单位名单.csv", [["单位名称"], ["某局"], ["某所"]])
    code, data = run(capsys, units, others, "-o", tmp_path / "s.xlsx")
    assert code == 0 and data["roster"] is None
    assert data["roster_note"] == (f"文件夹 {others} 中有 2 个名单文件（名单.csv、应报送单位名单.csv），未核对单位名单；"
                                   "请只保留一个。")


def test_two_rosters_in_the_folders_or_an_unreadable_one_are_a_note_not_a_failure(tmp_path, capsys):
    units = reporting(tmp_path / "units", {"某局": "某市某局"})
    others = reporting(tmp_path / "others", {"某所": "某市某局"})
    write_csv(units / "名单.csv", [["单位名称"], ["某局"]])
    write_csv(others / "名单.csv", [["单位名称"], ["某所"]])
    code, data = run(capsys, units, others, "-o", tmp_path / "s.xlsx")
    assert code == 0 and data["roster"] is None and data["missing_units"] == []
    assert "有 2 个名单文件" in data["roster_note"] and "--roster" in data["roster_note"]
    (others / "名单.csv").unlink()
    (units / "名单.csv").write_bytes(b"1,2\r\n3,4\r\n")  # no names at all
    code, data = run(capsys, units, others, "-o", tmp_path / "s.xlsx")
    assert code == 0 and data["roster"] is None and data["projects"] == 2
    assert "没有找到单位名称" in data["roster_note"] and "本次未核对单位名单" in data["roster_note"]
    assert [Path(f["path"]).name for f in data["files"]] == ["u0.xlsx", "u0.xlsx"]


@pytest.mark.parametrize("written", ["101001001 某市第一中学", "101001001-某市第一中学", "101001001　某市第一中学",
                                     "101001001某市第一中学"])
def test_a_form_writing_its_units_code_in_front_is_that_unit_of_the_roster_and_of_its_other_forms(
        tmp_path, capsys, written):
    """A unit's form whose 预算单位 the budget system filled in as it lists units, code first: the roster's
    某市第一中学（101001001）, and one unit with its form that writes the code after its name (the same project
    sent in both is one project, not two)."""
    (tmp_path / "in").mkdir()
    write_form(tmp_path / "in" / "a.xlsx", unit=written, project="校舍维修改造项目")
    write_form(tmp_path / "in" / "b.xlsx", unit="某市第一中学（101001001）", project="校舍维修改造项目")
    write_form(tmp_path / "in" / "c.xlsx", unit="某市第二中学", project="项目")
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["某市第一中学（101001001）"], ["某市第二中学"]])
    code, data = run(capsys, tmp_path / "in", "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert code == 0
    assert data["missing_units"] == [] and data["unlisted_units"] == []
    assert data["units"] == 2 and data["projects"] == 2 and len(data["duplicates"]) == 1


def test_a_bureau_roster_writing_its_departments_without_the_citys_name_matches_their_forms(tmp_path, capsys):
    """A bureau's roster writes its departments as the city's staff say them (市教育局, 市卫生健康委员会), its forms as
    the departments sign them (某市教育局（101001）): the one department whose name holds the roster's is that one,
    sent by its units' files or by its summary, as 项目明细 groups such spellings; one held by two cities' (教育局 of
    甲市 and 乙市) is neither. It was 未报送 (K003) and every unit of it 不在名单中 (K004)."""
    (tmp_path / "inbox").mkdir()
    reporting(tmp_path / "inbox" / "教育局", {"一中": "某市教育局（101001）", "二中": "某市教育局（101001）"})
    health = reporting(tmp_path / "卫健", {"市医院": "某市卫生健康委员会（102001）"})
    run(capsys, health, "-o", tmp_path / "inbox" / "卫健委汇总.xlsx")
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["市教育局"], ["市卫生健康委员会"], ["市民政局"]])
    _, data = run(capsys, tmp_path / "inbox", "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市民政局"] and data["unlisted_units"] == []
    assert by_code(data, "K003") == ["名单中的部门（单位）“市民政局”没有报送监控表。"]
    two = reporting(tmp_path / "省", {"一中": "甲市教育局（101001）", "二中": "乙市教育局（101001）"})
    roster = write_csv(tmp_path / "省名单.csv", [["部门名称"], ["市教育局"]])
    _, data = run(capsys, two, "-o", tmp_path / "省汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市教育局"]


def test_a_bureaus_summary_and_report_count_the_roster_as_departments_or_units(tmp_path, capsys):
    """A bureau's roster lists departments (and perhaps a unit reporting straight to it): its summary and report said
    按单位名单，应报送 3 个单位 right after 纳入 2 个主管部门、3 个单位, as if 3 units of 3 had been due and 1 had not
    come; they count the roster's names as 部门（单位）, while a department's own roster is still of 单位."""
    from docx import Document

    units = reporting(tmp_path / "units", {"一中": "某市教育局（101001）", "二中": "某市教育局（101001）",
                                           "市医院": "某市卫生健康委员会（102001）"})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["某市教育局"], ["某市卫生健康委员会"], ["某市民政局"]])
    code, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert code == 0 and by_code(data, "K003") == ["名单中的部门（单位）“某市民政局”没有报送监控表。"]
    note = load_workbook(tmp_path / "局汇总.xlsx")["汇总表"]["A2"].value
    assert "部门（单位）名单 3 个，未报送 1 个：某市民政局" in note
    assert main(["report", str(tmp_path / "局汇总.xlsx"), "-o", str(tmp_path / "局报告.docx")]) == 0
    text = "\n".join(p.text for p in Document(tmp_path / "局报告.docx").paragraphs)
    assert "按部门（单位）名单，应报送 3 个部门（单位），未报送 1 个：某市民政局。" in text
    one = reporting(tmp_path / "edu", {"一中": "某市教育局（101001）", "二中": "某市教育局（101001）"})
    roster = write_csv(tmp_path / "单位名单.csv", [["单位名称"], ["一中"], ["二中"], ["三中"]])
    assert main(["report", str(one), "--roster", str(roster), "-o", str(tmp_path / "部门报告.docx")]) == 0
    text = "\n".join(p.text for p in Document(tmp_path / "部门报告.docx").paragraphs)
    assert "按单位名单，应报送 3 个单位，未报送 1 个：三中。" in text
    capsys.readouterr()
    assert by_code(run(capsys, one, "-o", tmp_path / "部门汇总.xlsx", "--roster", roster)[1], "K003") == [
        "名单中的单位“三中”没有报送监控表。"]


def test_a_department_missing_from_a_bureaus_roster_is_one_name_not_on_it(tmp_path, capsys):
    """A bureau's roster of departments leaves out 某市卫生健康委员会, whose three units sent their files: each unit was
    K004 (单位“一院”…不在单位名单中), three warnings, and the summary, the report and unlisted_units named the units.
    The department is the one name not on the roster, with how many units it covers; a unit reporting straight to
    the bureau, its own 主管部门 too, is that name."""
    from docx import Document

    units = reporting(tmp_path / "units", {"一中": "某市教育局（101001）", "二中": "某市教育局（101001）",
                                           "一院": "某市卫生健康委员会（102001）", "二院": "某市卫生健康委员会（102001）",
                                           "三院": "某市卫生健康委员会（102001）", "市档案馆": "某市档案馆（103001）",
                                           "救助站": "某市民政局（104001）"})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["某市教育局"], ["某市民政局"], ["某市司法局"]])
    code, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert code == 0 and data["unlisted_units"] == ["某市卫生健康委员会（102001）", "某市档案馆（103001）"]
    assert by_code(data, "K004") == [
        "部门（单位）“某市卫生健康委员会（102001）”报送了监控表（其下 3 个单位：一院、二院、三院），但不在部门（单位）名单中；"
        "请核对部门名称，或把该部门加入名单。",
        "部门（单位）“某市档案馆（103001）”报送了监控表（其下 1 个单位：市档案馆），但不在部门（单位）名单中；"
        "请核对部门名称，或把该部门加入名单。"]
    note = load_workbook(tmp_path / "局汇总.xlsx")["汇总表"]["A2"].value
    assert "不在名单中的报送部门（单位） 2 个：某市卫生健康委员会（102001）、某市档案馆（103001）" in note
    assert main(["report", str(tmp_path / "局汇总.xlsx"), "-o", str(tmp_path / "局报告.docx")]) == 0
    text = "\n".join(p.text for p in Document(tmp_path / "局报告.docx").paragraphs)
    assert "另有 2 个报送部门（单位）不在名单中：某市卫生健康委员会（102001）、某市档案馆（103001）。" in text


def test_a_bureaus_roster_names_the_likely_counterpart_as_a_department(tmp_path, capsys):
    """A bureau's roster writing 某市卫生健康委员会（本级）, its forms signing 某市卫生健康委员会（102001）: K003 and K004
    each name the other as likely the same, but said 可能是同一单位，请核对单位名称 of a roster of departments."""
    units = reporting(tmp_path / "units", {"一中": "某市教育局（101001）", "一院": "某市卫生健康委员会（102001）",
                                           "救助站": "某市民政局（104001）"})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["某市教育局"], ["某市民政局"], ["某市卫生健康委员会（本级）"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert by_code(data, "K003") == ["名单中的部门（单位）“某市卫生健康委员会（本级）”没有报送监控表；已报送的“某市卫生健康委员会（102001）”"
                                     "可能是同一部门（单位），请核对部门（单位）名称。"]
    [k004] = by_code(data, "K004")
    assert k004.endswith("名单中未报送的“某市卫生健康委员会（本级）”可能是同一部门，请核对部门名称。")


def test_departments_whose_forms_leave_out_the_citys_name_match_the_bureaus_roster(tmp_path, capsys):
    """The other way round: the units sign their forms 市卫生健康委员会 or 教育局, the bureau's roster lists 长沙市卫生健康
    委员会 and 长沙市教育局. Each was 未报送 (K003) and its units 不在名单中 (K004); the roster's name is the department
    whose forms write it without its city, where one department's do."""
    units = reporting(tmp_path / "units", {"一中": "教育局", "市医院": "市卫生健康委员会（102001）"})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["长沙市教育局"], ["长沙市卫生健康委员会"], ["长沙市民政局"],
                                             ["市教育局党委"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["长沙市民政局", "市教育局党委"] and data["unlisted_units"] == []


def test_a_bureau_roster_writing_its_departments_by_their_common_abbreviations_matches_their_forms(tmp_path, capsys):
    """A bureau's roster is typed as its staff say the departments (市卫健委, 市发改委, 市人社局, 市监局), their forms
    sign the full names (某市卫生健康委员会（102001）…). Each was 未报送 (K003) and every unit of it 不在名单中 (K004):
    the roster's name is the one department whose name it abbreviates, sent by its units' files or by its summary."""
    (tmp_path / "inbox").mkdir()
    reporting(tmp_path / "inbox" / "卫健", {"市医院": "某市卫生健康委员会（102001）", "市疾控中心": "某市卫生健康委员会（102001）"})
    reporting(tmp_path / "inbox" / "人社", {"市就业服务中心": "某市人力资源和社会保障局（104001）"})
    reporting(tmp_path / "inbox" / "市监", {"市质量检验所": "某市市场监督管理局（105001）"})
    reporting(tmp_path / "inbox" / "资规", {"市测绘院": "某市自然资源和规划局（106001）"})
    development = reporting(tmp_path / "发改", {"市价格认证中心": "市发展和改革委员会（107001）"})
    run(capsys, development, "-o", tmp_path / "inbox" / "发改委汇总.xlsx")
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["市卫健委"], ["市人社局"], ["市监局"], ["市资规局"],
                                             ["长沙市发改委"], ["市住建局"]])
    _, data = run(capsys, tmp_path / "inbox", "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市住建局"] and data["unlisted_units"] == []
    assert by_code(data, "K003") == ["名单中的部门（单位）“市住建局”没有报送监控表。"] and not by_code(data, "K004")


def test_a_bureaus_roster_writing_the_peoples_organisations_as_the_city_says_them_matches_their_forms(tmp_path,
                                                                                                    capsys):
    """A city's roster lists its 群团 organisations as its staff say them: 市总工会, 市妇联, 市残联, 市科协, 市文联, 市侨联,
    市工商联, 市红十字会, their forms signing 某市总工会（301001）, 某市妇女联合会（302001）… Each was 未报送 and not on
    the roster (a name ending 会 or 联 did not read as a department's); each is the one whose name it writes shorter or
    abbreviates."""
    sent = {"市总工会": "某市总工会（301001）", "市妇联": "某市妇女联合会（302001）", "市残联": "某市残疾人联合会（303001）",
            "市科协": "某市科学技术协会（304001）", "市文联": "某市文学艺术界联合会（305001）",
            "市侨联": "某市归国华侨联合会（306001）", "市工商联": "某市工商业联合会（307001）",
            "市红十字会": "某市红十字会（308001）", "市社科联": "某市社会科学界联合会（309001）", "市教育局": "某市教育局（101001）"}
    units = reporting(tmp_path / "units", {f"第{i}中心": department for i, department in enumerate(sent.values())})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], *([name] for name in sent), ["市科联"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市科联"] and data["unlisted_units"] == []  # 科联: 科协 or 社科联, neither


def test_an_abbreviation_that_may_be_two_departments_or_a_units_name_matches_none(tmp_path, capsys):
    """An abbreviation is a department only where it is surely that one: 市卫健委 of two cities' forms, 市文旅局 and
    市文广旅局 both listed for the one 某市文化广电旅游局, 市教委 beside 某市教育局 (委 is no 局), 市监局 beside
    市地方金融监督管理局 (its 市 is the city's, not 市场's) match none, and a unit of a department (市教育局党委,
    某市教育局电教馆) is never the department; each stays 未报送, the departments 不在名单中. 市教育局 is 某市教育局, not
    某市教育体育局 too, which 市教体局 is."""
    two = reporting(tmp_path / "省", {"一院": "甲市卫生健康委员会（102001）", "二院": "乙市卫生健康委员会（102001）"})
    roster = write_csv(tmp_path / "省名单.csv", [["部门名称"], ["市卫健委"]])
    _, data = run(capsys, two, "-o", tmp_path / "省汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市卫健委"] and data["unlisted_units"] == ["一院", "二院"]
    units = reporting(tmp_path / "units", {"一中": "某市教育体育局（101001）", "二中": "某市教育局（103001）",
                                           "市图书馆": "某市文化广电旅游局（104001）",
                                           "市医院": "某市卫生健康委员会（102001）",
                                           "市金融服务中心": "市地方金融监督管理局（105001）"})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["市教育局"], ["市教体局"], ["市文旅局"], ["市文广旅局"],
                                             ["市教委"], ["市教育局党委"], ["某市教育局电教馆"], ["市卫健委"], ["市监局"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市文旅局", "市文广旅局", "市教委", "市教育局党委", "某市教育局电教馆", "市监局"]
    assert data["unlisted_units"] == ["某市文化广电旅游局（104001）", "市地方金融监督管理局（105001）"]  # the departments


def test_a_department_whose_forms_leave_out_the_city_before_shi_chang_is_what_shi_jian_ju_abbreviates(tmp_path, capsys):
    """Units sign 市场监督管理局 without their city, as 教育局: its 市 begins the word 市场, not a city, so 市监局 on the
    bureau's roster is that department. It was read as the city's 场监督管理局: 市监局 未报送 (K003), the department
    不在名单中 (K004)."""
    units = reporting(tmp_path / "units", {"市质量检验所": "市场监督管理局", "市医院": "某市卫生健康委员会（102001）"})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["市监局"], ["市卫健委"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == []
    assert not by_code(data, "K003") and not by_code(data, "K004")


def test_a_department_written_with_the_plain_shi_its_forms_leave_out_is_that_one_beside_an_abbreviation(
        tmp_path, capsys):
    """Units sign 文化和旅游局 without their city; the bureau's roster writes it 市文化和旅游局, its name with the city's
    plain 市, beside 市文旅局, which may be it or 某市文化广电旅游局. 市文化和旅游局 names it, as 某市文化和旅游局 would:
    it was taken for an abbreviation, and two names that may be one department are neither, so it was 未报送 and the
    department 不在名单中. 市文旅局 stays 未报送, 某市文化广电旅游局 不在名单中."""
    units = reporting(tmp_path / "units", {"市图书馆": "文化和旅游局", "市博物馆": "某市文化广电旅游局（109001）",
                                           "市医院": "某市卫生健康委员会（102001）"})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["市文化和旅游局"], ["市文旅局"], ["市卫健委"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市文旅局"] and data["unlisted_units"] == ["某市文化广电旅游局（109001）"]


def test_a_unit_signing_its_department_by_the_common_abbreviation_answers_for_it_on_the_bureaus_roster(tmp_path,
                                                                                                   capsys):
    """One of 某市卫生健康委员会's units signs 市卫健委, the others the full name with its code: on a roster of
    departments it is that department, not a department 不在名单中 (K004); the roster's 市卫健委 is answered by the
    units signing the full name too."""
    units = reporting(tmp_path / "units", {"一中": "某市教育局（101001）", "一院": "某市卫生健康委员会（102001）",
                                           "三院": "市卫健委"})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["某市教育局"], ["某市卫生健康委员会"], ["某市民政局"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市民政局"] and data["unlisted_units"] == [] and not by_code(data, "K004")
    roster = write_csv(tmp_path / "名单2.csv", [["部门名称"], ["市教育局"], ["市卫健委"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总2.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == []


def test_a_departments_own_roster_writing_the_department_abbreviated_lists_its_own_unit(tmp_path, capsys):
    """A department's roster writes itself as its staff say it (市卫健委) beside its units: that is its 本级 unit,
    reported only by a form of that unit, as when it writes the department's name."""
    hospitals = {"某市第一人民医院": "某市卫生健康委员会（102001）", "某市疾病预防控制中心": "某市卫生健康委员会（102001）"}
    roster = write_csv(tmp_path / "名单.csv", [["单位名称"], ["市卫健委"], ["某市第一人民医院"], ["某市疾病预防控制中心"]])
    _, data = run(capsys, reporting(tmp_path / "units", hospitals), "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市卫健委"] and data["unlisted_units"] == []
    assert by_code(data, "K003") == ["名单中的单位“市卫健委”没有报送监控表。"]
    own = {"某市卫生健康委员会": "某市卫生健康委员会（102001）", **hospitals}
    _, data = run(capsys, reporting(tmp_path / "all", own), "-o", tmp_path / "t.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == []


def test_a_bureaus_roster_naming_party_and_judicial_organs_as_staff_say_them_matches_their_forms(tmp_path, capsys):
    """Party and judicial organs are budget departments of every city: their forms sign 中共某市委员会组织部,
    中国共产党某市委员会宣传部, 中共某市纪律检查委员会, 中共某市委员会办公室, 某市中级人民法院, 某市人民检察院; the
    bureau's roster writes 市委组织部, 市委宣传部, 市委统战部, 市纪委（监委）, 市委办, 市中院, 市检察院. Each was 未报送
    (K003) and the department 不在名单中 (K004). 市委办 is the Party committee's office, never 市政府办's, nor the
    reverse; 市法院 the city's court whichever it is, one of two cities' none."""
    sent = {"干部信息中心": "中共某市委员会组织部（201001）", "讲师团": "中国共产党某市委员会宣传部（202001）",
            "纪检监察信息中心": "中共某市纪律检查委员会（203001）", "机要保密中心": "中共某市委员会办公室（204001）",
            "审判服务中心": "某市中级人民法院（205001）", "检察技术中心": "某市人民检察院（206001）",
            "民族团结服务中心": "中共某市委员会统一战线工作部（208001）", "政务信息中心": "某市人民政府办公室（207001）"}
    units = reporting(tmp_path / "units", sent)
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["市委组织部"], ["市委宣传部"], ["市纪委（监委）"], ["市委办"],
                                             ["市中院"], ["市检察院"], ["市委统战部"], ["市政府办"], ["市委政法委"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市委政法委"] and data["unlisted_units"] == [] and not by_code(data, "K004")
    offices = reporting(tmp_path / "offices", {"政务信息中心": "某市人民政府办公室（207001）", "一中": "某市教育局（101001）",
                                               "审判服务中心": "甲市中级人民法院（205001）",
                                               "执行服务中心": "乙市中级人民法院（305001）"})
    roster = write_csv(tmp_path / "名单2.csv", [["部门名称"], ["市委办"], ["市法院"], ["市委组织部"], ["市政府办"],
                                              ["市教育局"]])
    _, data = run(capsys, offices, "-o", tmp_path / "局汇总2.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市委办", "市法院", "市委组织部"]
    party = reporting(tmp_path / "party", {"机要保密中心": "中共某市委办公室（204001）", "一中": "某市教育局（101001）"})
    roster = write_csv(tmp_path / "名单3.csv", [["部门名称"], ["市政府办"], ["市委办"], ["市教育局"]])
    _, data = run(capsys, party, "-o", tmp_path / "局汇总3.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市政府办"] and data["unlisted_units"] == []


def test_a_bureaus_roster_naming_party_organs_whose_names_hold_a_committee_matches_their_forms(tmp_path, capsys):
    """The Party committee's offices of its committees (中共某市委机构编制委员会办公室, 中共某市委网络安全和信息化委员会
    办公室) and its 中共某市委政策研究室 are said 市委编办, 市委网信办, 市委政研室: each was 未报送 and the office
    不在名单中, for a 委 before the ending read as a unit's name (教育局办) and 室 as no department's ending. Forms
    signing them short match a roster writing them in full, as 市直机关工委 and 中共某市直属机关工作委员会 already did.
    市委办 is still none of them, nor the government's 市政府办."""
    full = {"编制信息中心": "中共某市委机构编制委员会办公室（231001）", "网络安全中心": "中共某市委网络安全和信息化委员会办公室（232001）",
            "政策研究中心": "中共某市委政策研究室（233001）", "机关党建中心": "中共某市直属机关工作委员会（234001）",
            "一中": "某市教育局（101001）"}
    short = ["市委编办", "市委网信办", "市委政研室", "市直机关工委"]
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], *([name] for name in short), ["市教育局"]])
    _, data = run(capsys, reporting(tmp_path / "full", full), "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == [] and not by_code(data, "K004")
    signed = reporting(tmp_path / "short", {**dict(zip(full, short)), "一中": "某市教育局（101001）"})
    roster = write_csv(tmp_path / "名单2.csv", [["部门名称"], *([name.split("（")[0]] for name in full.values())])
    _, data = run(capsys, signed, "-o", tmp_path / "局汇总2.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == [] and not by_code(data, "K004")
    roster = write_csv(tmp_path / "名单3.csv", [["部门名称"], ["市委办"], ["市政府办"], ["市委编办"], ["市教育局"]])
    offices = reporting(tmp_path / "offices", {"编制信息中心": "中共某市委机构编制委员会办公室（231001）",
                                               "一中": "某市教育局（101001）"})
    _, data = run(capsys, offices, "-o", tmp_path / "局汇总3.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市委办", "市政府办"] and data["unlisted_units"] == []


def test_a_bureaus_roster_naming_the_discipline_and_supervision_organ_by_both_its_signs_matches_its_forms(tmp_path,
                                                                                                          capsys):
    """The city's 纪委 and 监委 are one organ with two signs: a roster writes 市纪委市监委, which was read as the 监委
    of a city called 纪委市 (未报送, the organ 不在名单中); forms sign 中共某市纪律检查委员会, 某市监察委员会, both
    (中共某市纪律检查委员会 某市监察委员会) or 市纪委监委. Two departments, the 纪委 and the 监委 of two codes, are
    none of them; 市监委 is a 监委 of its own, never the 纪委 alone, and 县纪委县监委 no city's."""
    for n, (signed, code) in enumerate([("中共某市纪律检查委员会", "（203001）"), ("某市监察委员会", "（203002）"),
                                        ("中共某市纪律检查委员会 某市监察委员会", ""), ("市纪委监委", ""), ("市纪委市监委", "")]):
        units = reporting(tmp_path / f"units{n}", {"纪检监察信息中心": signed + code, "一中": "某市教育局（101001）"})
        roster = write_csv(tmp_path / f"名单{n}.csv", [["部门名称"], ["市纪委市监委"], ["市教育局"]])
        _, data = run(capsys, units, "-o", tmp_path / f"局汇总{n}.xlsx", "--roster", roster)
        assert data["missing_units"] == [] and data["unlisted_units"] == [], signed
    two = reporting(tmp_path / "two", {"纪检监察信息中心": "中共某市纪律检查委员会（203001）", "廉政教育中心": "某市监察委员会（203002）",
                                       "一中": "某市教育局（101001）"})
    roster = write_csv(tmp_path / "名单5.csv", [["部门名称"], ["市纪委市监委"], ["市教育局"]])
    _, data = run(capsys, two, "-o", tmp_path / "局汇总5.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市纪委市监委"] and len(data["unlisted_units"]) == 2
    roster = write_csv(tmp_path / "名单6.csv", [["部门名称"], ["市纪委"], ["市监委"], ["市教育局"]])
    _, data = run(capsys, two, "-o", tmp_path / "局汇总6.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == []
    party = reporting(tmp_path / "party", {"纪检监察信息中心": "中共某市纪律检查委员会（203001）", "一中": "某市教育局（101001）"})
    _, data = run(capsys, party, "-o", tmp_path / "局汇总7.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市监委"] and data["unlisted_units"] == []
    county = reporting(tmp_path / "county", {"纪检监察信息中心": "县纪委县监委", "一中": "某市教育局（101001）"})
    roster = write_csv(tmp_path / "名单8.csv", [["部门名称"], ["市纪委市监委"], ["市教育局"]])
    _, data = run(capsys, county, "-o", tmp_path / "局汇总8.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市纪委市监委"] and data["unlisted_units"] == ["纪检监察信息中心"]


def test_a_bureaus_roster_naming_the_party_school_matches_its_forms_with_either_sign(tmp_path, capsys):
    """The city's Party school is a department: its forms sign 中共某市委党校, often with the sign it bears beside,
    中共某市委党校（某市行政学院）, or 市委党校; the roster writes any of them. 市委党校 was read as no department's
    name (…局, …委员会) and a roster's name with the other sign as a name no form writes: 未报送, and the school
    不在名单中. Two cities' schools, or a county's, are still no 市委党校, and 某市教育局（本级） still no 某市教育局."""
    signed = ["中共某市委党校（241001）", "中共某市委党校（某市行政学院）", "市委党校"]
    listed = ["市委党校", "中共某市委党校", "中共某市委党校（某市行政学院）"]
    for n, sign in enumerate(signed):
        units = reporting(tmp_path / f"units{n}", {"党校图书馆": sign, "一中": "某市教育局（101001）"})
        for m, name in enumerate(listed):
            roster = write_csv(tmp_path / f"名单{n}{m}.csv", [["部门名称"], [name], ["市教育局"]])
            _, data = run(capsys, units, "-o", tmp_path / f"局汇总{n}{m}.xlsx", "--roster", roster)
            assert data["missing_units"] == [] and data["unlisted_units"] == [], (sign, name)
    for n, schools in enumerate([{"党校图书馆": "中共甲市委党校", "党校食堂": "中共乙市委党校"}, {"党校图书馆": "中共某县委党校"}]):
        units = reporting(tmp_path / f"other{n}", {**schools, "一中": "某市教育局（101001）"})
        roster = write_csv(tmp_path / f"名单x{n}.csv", [["部门名称"], ["市委党校"], ["市教育局"]])
        _, data = run(capsys, units, "-o", tmp_path / f"局汇总x{n}.xlsx", "--roster", roster)
        assert data["missing_units"] == ["市委党校"]
    own = reporting(tmp_path / "own", {"机关": "某市教育局", "一中": "某市财政局（101001）"})
    roster = write_csv(tmp_path / "名单y.csv", [["部门名称"], ["某市教育局（本级）"], ["市财政局"]])
    _, data = run(capsys, own, "-o", tmp_path / "局汇总y.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市教育局（本级）"]
    from xlmon.consolidate.names import shortened_departments  # a unit written with its department is no department
    assert shortened_departments(["信息中心（某市教育局）"], ["信息中心", "某市教育局"]) == {}


def test_a_bureaus_roster_naming_departments_by_names_that_start_otherwise_matches_their_forms(tmp_path, capsys):
    """Staff say some departments by names that do not start as their forms' do: 市环保局 or 市环境局 for 某市生态环境局,
    市审批局 for 某市行政审批服务局, 市大数据局 for 某市数据资源管理局, 市数据局 for 某市大数据发展管理局, 市卫计委 (a
    roster kept from before 2018) for 某市卫生健康委员会, 团市委 for 共青团某市委员会, 市金融办 for 某市地方金融监督管理局.
    Each was 未报送 and the department 不在名单中; each is the one department it may be, and of two, none."""
    sent = {"环境监测站": "某市生态环境局（214001）", "政务服务中心": "某市行政审批服务局（215001）",
            "大数据中心": "某市数据资源管理局（216001）", "市医院": "某市卫生健康委员会（102001）",
            "青少年宫": "中国共产主义青年团某市委员会（217001）", "金融服务中心": "某市地方金融监督管理局（218001）"}
    roster = [["部门名称"], ["市环保局"], ["市审批局"], ["市大数据局"], ["市卫计委"], ["团市委"], ["市金融办"]]
    _, data = run(capsys, reporting(tmp_path / "units", sent), "-o", tmp_path / "局汇总.xlsx",
                  "--roster", write_csv(tmp_path / "名单.csv", roster))
    assert data["missing_units"] == [] and data["unlisted_units"] == [] and not by_code(data, "K004")
    other = {"环境监测站": "某市生态环境局（214001）", "大数据中心": "某市大数据发展管理局（216001）",
             "市医院": "某市卫生健康委员会（102001）", "计生服务站": "某市卫生和计划生育委员会（103001）",
             "金融服务中心": "某市地方金融监督管理局（218001）", "金融发展中心": "某市人民政府金融工作办公室（219001）"}
    roster = [["部门名称"], ["市环境局"], ["市数据局"], ["市卫计委"], ["市金融办"], ["市团委"]]
    _, data = run(capsys, reporting(tmp_path / "other", other), "-o", tmp_path / "局汇总2.xlsx",
                  "--roster", write_csv(tmp_path / "名单2.csv", roster))
    assert data["missing_units"] == ["市卫计委", "市金融办", "市团委"]


def test_jin_rong_ban_beside_the_party_committees_finance_office_names_neither(tmp_path, capsys):
    """Since 2024 a city's Party committee has a 金融委员会办公室, 市委金融办, which staff say 市金融办 too: beside the
    government's 某市地方金融监督管理局, 市金融办 may be either and names neither (it named the bureau), while 市委金融办
    is the Party's (it was 未报送, the office 不在名单中)."""
    units = reporting(tmp_path / "units", {"金融服务中心": "某市地方金融监督管理局（218001）",
                                           "金融研究中心": "中共某市委金融委员会办公室（220001）", "一中": "某市教育局（101001）",
                                           "一院": "某市卫生健康委员会（102001）"})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["市金融办"], ["市教育局"], ["市卫健委"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市金融办"]
    assert sorted(data["unlisted_units"]) == ["中共某市委金融委员会办公室（220001）", "某市地方金融监督管理局（218001）"]
    roster = write_csv(tmp_path / "名单2.csv", [["部门名称"], ["市委金融办"], ["市教育局"], ["市卫健委"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总2.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == ["某市地方金融监督管理局（218001）"]


def test_a_bureaus_roster_naming_reformed_departments_by_their_old_names_matches_their_forms(tmp_path, capsys):
    """Since the 2024 reform a city's 地方金融监督管理局 is its 地方金融管理局, and many cities merged their 大数据局
    into a 政务服务和大数据管理局; bureaus' rosters still say 市金融办, 市大数据局 or 市数据局. Each was 未报送 and the
    department 不在名单中. 市金融办 beside the Party committee's 金融委员会办公室 too names neither, as before."""
    sent = {"金融服务中心": "某市地方金融管理局（218001）", "大数据中心": "某市政务服务和大数据管理局（216001）",
            "一中": "某市教育局（101001）"}
    units = reporting(tmp_path / "units", sent)
    for n, data_name in enumerate(["市大数据局", "市数据局"]):
        roster = write_csv(tmp_path / f"名单{n}.csv", [["部门名称"], ["市金融办"], [data_name], ["市教育局"]])
        _, data = run(capsys, units, "-o", tmp_path / f"局汇总{n}.xlsx", "--roster", roster)
        assert data["missing_units"] == [] and data["unlisted_units"] == [] and not by_code(data, "K004")
    both = reporting(tmp_path / "both", {**sent, "金融研究中心": "中共某市委金融委员会办公室（220001）"})
    roster = write_csv(tmp_path / "名单3.csv", [["部门名称"], ["市金融办"], ["市大数据局"], ["市教育局"]])
    _, data = run(capsys, both, "-o", tmp_path / "局汇总3.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市金融办"]
    assert sorted(data["unlisted_units"]) == ["中共某市委金融委员会办公室（220001）", "某市地方金融管理局（218001）"]


def test_a_court_its_units_sign_two_short_ways_is_one_department_of_the_bureaus_roster(tmp_path, capsys):
    """One unit of the city's court signs 市中院, another 市法院: the roster's 某市中级人民法院 was 未报送 and both
    不在名单中, for each short name was a department of its own (市法院 may be a 中级人民法院 or a 人民法院); a city's
    法院 is its 中院. The roster's 市法院 (or 市中院) left the other 不在名单中; beside the forms' 某市中级人民法院 too, it
    must stay all three's. Two cities' (甲市中院, 乙市法院) are still no 某市中级人民法院."""
    units = reporting(tmp_path / "units", {"审判服务中心": "市中院", "执行服务中心": "市法院", "一中": "某市教育局（101001）"})
    for n, court in enumerate(["某市中级人民法院", "市法院", "市中院"]):
        roster = write_csv(tmp_path / f"名单{n}.csv", [["部门名称"], [court], ["某市教育局"]])
        _, data = run(capsys, units, "-o", tmp_path / f"局汇总{n}.xlsx", "--roster", roster)
        assert data["missing_units"] == [] and data["unlisted_units"] == [] and not by_code(data, "K004")
    full = reporting(tmp_path / "full", {"审判服务中心": "市中院", "执行服务中心": "市法院", "诉讼服务中心": "某市中级人民法院（205001）",
                                         "一中": "某市教育局（101001）"})
    roster = write_csv(tmp_path / "名单3.csv", [["部门名称"], ["市法院"], ["某市教育局"]])
    _, data = run(capsys, full, "-o", tmp_path / "局汇总3.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == []
    cities = reporting(tmp_path / "cities", {"审判服务中心": "甲市中院", "执行服务中心": "乙市法院", "一中": "某市教育局（101001）"})
    roster = write_csv(tmp_path / "名单4.csv", [["部门名称"], ["某市中级人民法院"], ["某市教育局"]])
    _, data = run(capsys, cities, "-o", tmp_path / "局汇总4.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市中级人民法院"]


def test_a_bureaus_roster_writing_a_department_in_full_matches_the_forms_that_sign_it_abbreviated(tmp_path, capsys):
    """The roster writes 某市卫生健康委员会 and 某市人力资源和社会保障局（104001）, the only forms of each sign their
    主管部门 市卫健委 and 市人社局: each was 未报送 (K003) and its department 不在名单中 (K004). The roster's name is the
    department its forms abbreviate, where it is the one roster name they may be: not beside 市卫健委 on the roster too,
    not 某市教育体育局 for 市教育局 (two departments a city may have both of), not 某市文化和旅游局 for 市文旅局 beside
    某市文化广电旅游局."""
    units = reporting(tmp_path / "units", {"一院": "市卫健委", "就业中心": "市人社局", "一中": "某市教育局（101001）"})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["某市卫生健康委员会"], ["某市人力资源和社会保障局（104001）"],
                                             ["某市教育局"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == [] and not by_code(data, "K004")
    doubtful = reporting(tmp_path / "doubtful", {"一院": "市卫健委", "二中": "市教育局", "图书馆": "市文旅局",
                                                 "就业中心": "市人社局"})
    roster = write_csv(tmp_path / "名单2.csv", [["部门名称"], ["某市卫生健康委员会"], ["市卫健委"], ["某市教育体育局"],
                                              ["某市文化和旅游局"], ["某市文化广电旅游局"], ["市人社局"]])
    _, data = run(capsys, doubtful, "-o", tmp_path / "局汇总2.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市卫生健康委员会", "某市教育体育局", "某市文化和旅游局", "某市文化广电旅游局"]
    assert sorted(data["unlisted_units"]) == ["市教育局", "市文旅局"]


def test_a_bureaus_roster_writing_an_organ_in_full_matches_the_forms_that_sign_it_as_staff_say_it(tmp_path, capsys):
    """The roster writes 中共某市委员会组织部, 中共某市纪律检查委员会, 某市妇女联合会 as their seals read; their only forms
    sign 市委组织部, 市纪委, 市妇联. Each was 未报送 and the department 不在名单中: 中共某市 was more than the city a
    name may add to its forms' (市委组织部), and one character before the ending (纪委, 妇联) was read as a name another
    holds with more after it, as 教育局 is 教育体育局's (it still is: 某市教育体育局 is no 市教育局)."""
    units = reporting(tmp_path / "units", {"干部信息中心": "市委组织部", "纪检监察信息中心": "市纪委", "妇女儿童中心": "市妇联",
                                           "二中": "市教育局"})
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["中共某市委员会组织部"], ["中共某市纪律检查委员会"],
                                             ["某市妇女联合会"], ["某市教育体育局"]])
    _, data = run(capsys, units, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == ["某市教育体育局"] and data["unlisted_units"] == ["市教育局"]


@pytest.mark.parametrize("name, department, found", [
    ("市卫健委", "某市卫生健康委员会（102001）", True), ("卫健委", "市卫生健康委员会", True),
    ("长沙市卫健委", "卫生健康委员会", True), ("区卫健局", "某区卫生健康局", True), ("市人社局", "某市人力资源和社会保障局", True),
    ("市监局", "某市市场监督管理局", True), ("市监局", "市市场监督管理局", True), ("市监局", "市场监督管理局", True), ("市场监管局", "区市场监督管理局", True),
    ("市资规局", "某市自然资源和规划局", True), ("自然资源局", "某市自然资源和规划局", True), ("教体局", "某市教育体育局", True),
    ("文广旅局", "某市文化广电旅游局", True), ("文旅局", "某市文化和旅游局", True), ("国资委", "某市国有资产监督管理委员会", True),
    ("城管局", "某市城市管理综合执法局", True), ("市政府办", "某市人民政府办公室", True), ("人防办", "某市人民防空办公室", True),
    ("长沙市卫健委", "株洲市卫生健康委员会", False), ("县卫健局", "某市卫生健康局", False), ("市教委", "某市教育局", False),
    ("教委", "某市教育局党委", False), ("市教育局党委", "某市教育局", False), ("某市教育局电教馆", "某市教育局", False),
    ("市监局", "市地方金融监督管理局", False), ("市卫计委", "某市卫生健康委员会", True), ("市旅游局", "某市文化和旅游局", False),
    ("团市委", "共青团某市委员会", True), ("市团委", "中国共产主义青年团某市委员会", True), ("团市委", "某市教育局团委", False),
    ("团市委", "共青团某县委员会", False), ("市环保局", "某市生态环境局", True), ("市金融办", "某市人民政府办公室", False),
    ("市发改局", "某市发展和改革委员会", False), ("市卫健委医院", "某市卫生健康委员会", False),
    ("市第1局", "某市第12局", False), ("市第二局", "某市第十二局", False), ("市金融办", "某市地方金融管理局", True),
    ("市大数据局", "某市政务服务和大数据管理局", True), ("市数据局", "某市政务服务和大数据管理局", True),
    ("市编办", "中共某市委机构编制委员会办公室", True), ("市委网信办", "中共某市委员会网络安全和信息化委员会办公室", True),
    ("市委政研室", "中共某市委政策研究室", True), ("市委办", "中共某市委机构编制委员会办公室", False),
    ("市委编办", "中共某县委机构编制委员会办公室", False), ("市政府办", "某市机构编制委员会办公室", False),
    ("市教委办", "某市教育委员会办公室", False), ("市中院", "市法院", True), ("市法院", "市中院", True),
    ("县法院", "市中院", False), ("市数据局", "某市政务服务管理局", False), ("市金融办", "某市地方金融服务中心", False),
    ("市纪委市监委", "中共某市纪律检查委员会", True), ("市纪委市监委", "某市监察委员会", True),
    ("县纪委县监委", "某市监察委员会", False), ("市监委", "中共某市纪律检查委员会", False),
    ("市委编办", "某市机构编制委员会办公室", True), ("市委网信办", "某市网络安全和信息化委员会办公室", True),
    ("市委宣传部", "某市宣传部", False), ("市委编办", "某县机构编制委员会办公室", False),
    ("市委党校", "某市行政学院", True), ("某市行政学院", "中共某市委党校", True), ("市委党校", "某县行政学院", False),
    ("某市党校", "中共某市委党校", True), ("市党校", "市委党校", True), ("某市党校", "中共某县委党校", False)])
def test_an_abbreviation_is_the_department_it_abbreviates_and_no_other(name, department, found):
    from xlmon.consolidate.names import abbreviated_departments
    assert abbreviated_departments([name], [department]) == ({name: [department]} if found else {})


def test_a_bureaus_roster_naming_the_party_committees_offices_matches_their_forms_signed_as_the_governments(tmp_path,
                                                                                                           capsys):
    """The city's 编办 and 网信办 are one office each, signed as the Party committee's (中共某市委机构编制委员会办公室)
    or as the government's (某市机构编制委员会办公室, 某市网络安全和信息化委员会办公室): a roster's 市委编办 and 市委网信办
    were 未报送 and the office 不在名单中 when its forms signed the government's way, and the reverse. A 市委 name is
    still no other government department's (市委宣传部 is no 某市宣传部), nor a county's office."""
    sent = {"编制信息中心": "某市机构编制委员会办公室（231001）", "网络安全中心": "某市网络安全和信息化委员会办公室（232001）",
            "一中": "某市教育局（101001）"}
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], ["市委编办"], ["市委网信办"], ["市教育局"]])
    _, data = run(capsys, reporting(tmp_path / "units", sent), "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == [] and not by_code(data, "K004")
    short = reporting(tmp_path / "short", {"编制信息中心": "市委编办", "网络安全中心": "市委网信办", "一中": "某市教育局（101001）"})
    roster = write_csv(tmp_path / "名单2.csv", [["部门名称"], ["某市机构编制委员会办公室"], ["某市网络安全和信息化委员会办公室"],
                                              ["市教育局"]])
    _, data = run(capsys, short, "-o", tmp_path / "局汇总2.xlsx", "--roster", roster)
    assert data["missing_units"] == [] and data["unlisted_units"] == [] and not by_code(data, "K004")
    other = reporting(tmp_path / "other", {"讲师团": "某市宣传部（202001）", "编制信息中心": "某县机构编制委员会办公室（331001）",
                                           "一中": "某市教育局（101001）"})
    roster = write_csv(tmp_path / "名单3.csv", [["部门名称"], ["市委宣传部"], ["市委编办"], ["市教育局"]])
    _, data = run(capsys, other, "-o", tmp_path / "局汇总3.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市委宣传部", "市委编办"] and len(data["unlisted_units"]) == 2


def test_a_bureaus_roster_naming_either_sign_of_the_discipline_and_supervision_organ_matches_its_forms_signing_both(
        tmp_path, capsys):
    """The city's 纪委 and 监委 are one organ: forms signing both (中共某市纪律检查委员会 某市监察委员会, 某市纪委监委,
    市纪委监委) were read as its 纪委 only, and a roster's 市监委 or 某市监察委员会 was 未报送, the organ 不在名单中. Either
    name, or both on the roster, is the organ; a roster's 市监委 is still no form's 纪委 alone, nor a county's organ."""
    for n, signed in enumerate(["中共某市纪律检查委员会 某市监察委员会", "某市纪委监委", "市纪委监委"]):
        units = reporting(tmp_path / f"units{n}", {"纪检监察信息中心": signed, "一中": "某市教育局（101001）"})
        for m, listed in enumerate([["市监委"], ["某市监察委员会"], ["市纪委"], ["市纪委", "市监委"]]):
            roster = write_csv(tmp_path / f"名单{n}{m}.csv", [["部门名称"], *([name] for name in listed), ["市教育局"]])
            _, data = run(capsys, units, "-o", tmp_path / f"局汇总{n}{m}.xlsx", "--roster", roster)
            assert data["missing_units"] == [] and data["unlisted_units"] == [], (signed, listed)
    party = reporting(tmp_path / "party", {"纪检监察信息中心": "中共某市纪律检查委员会", "一中": "某市教育局（101001）"})
    county = reporting(tmp_path / "county", {"纪检监察信息中心": "中共某县纪律检查委员会 某县监察委员会",
                                             "一中": "某市教育局（101001）"})
    for n, units in enumerate([party, county]):
        roster = write_csv(tmp_path / f"名单x{n}.csv", [["部门名称"], ["市监委"], ["市教育局"]])
        _, data = run(capsys, units, "-o", tmp_path / f"局汇总x{n}.xlsx", "--roster", roster)
        assert data["missing_units"] == ["市监委"] and data["unlisted_units"] == ["纪检监察信息中心"]


def test_a_bureaus_roster_naming_the_party_school_or_the_administration_college_matches_forms_signing_the_other(
        tmp_path, capsys):
    """The city's Party school and its 行政学院 are one school (校院合一): forms signing 某市行政学院 alone left a
    roster's 中共某市委党校（某市行政学院） or 市委党校 未报送 and the school 不在名单中, and forms signing the Party school
    a roster's 某市行政学院. A county's college is still no 市委党校, and a 市委 name no other department of the
    government's."""
    college = reporting(tmp_path / "college", {"党校图书馆": "某市行政学院（241001）", "一中": "某市教育局（101001）"})
    for n, name in enumerate(["中共某市委党校（某市行政学院）", "市委党校", "中共某市委党校"]):
        roster = write_csv(tmp_path / f"名单{n}.csv", [["部门名称"], [name], ["市教育局"]])
        _, data = run(capsys, college, "-o", tmp_path / f"局汇总{n}.xlsx", "--roster", roster)
        assert data["missing_units"] == [] and data["unlisted_units"] == [], name
    for n, sign in enumerate(["中共某市委党校（241001）", "中共某市委党校（某市行政学院）", "市委党校"]):
        school = reporting(tmp_path / f"school{n}", {"党校图书馆": sign, "一中": "某市教育局（101001）"})
        roster = write_csv(tmp_path / f"名单x{n}.csv", [["部门名称"], ["某市行政学院"], ["市教育局"]])
        _, data = run(capsys, school, "-o", tmp_path / f"局汇总x{n}.xlsx", "--roster", roster)
        assert data["missing_units"] == [] and data["unlisted_units"] == [], sign
    county = reporting(tmp_path / "county", {"党校图书馆": "某县行政学院（341001）", "一中": "某市教育局（101001）"})
    roster = write_csv(tmp_path / "名单y.csv", [["部门名称"], ["市委党校"], ["市教育局"]])
    _, data = run(capsys, county, "-o", tmp_path / "局汇总y.xlsx", "--roster", roster)
    assert data["missing_units"] == ["市委党校"] and data["unlisted_units"] == ["党校图书馆"]


def test_a_bureaus_roster_saying_shi_dang_xiao_matches_the_party_schools_forms_and_the_reverse(tmp_path, capsys):
    """Staff say the city's Party school 市党校 too, and rosters write 某市党校 (as benchmarks' bureau does): beside
    forms signing 中共某市委党校 or 市委党校 it was 未报送 and the school 不在名单中, and forms signing 某市党校 left a
    roster's 中共某市委党校 or 市委党校 未报送. Two cities' schools, or a county's, are still none of it."""
    for n, sign in enumerate(["中共某市委党校（241001）", "市委党校", "中共某市委党校（某市行政学院）"]):
        school = reporting(tmp_path / f"school{n}", {"党校图书馆": sign, "一中": "某市教育局（101001）"})
        for m, name in enumerate(["某市党校", "市党校"]):
            roster = write_csv(tmp_path / f"名单{n}{m}.csv", [["部门名称"], [name], ["市教育局"]])
            _, data = run(capsys, school, "-o", tmp_path / f"局汇总{n}{m}.xlsx", "--roster", roster)
            assert data["missing_units"] == [] and data["unlisted_units"] == [], (sign, name)
    short = reporting(tmp_path / "short", {"党校图书馆": "某市党校（241001）", "一中": "某市教育局（101001）"})
    for n, name in enumerate(["中共某市委党校", "市委党校"]):
        roster = write_csv(tmp_path / f"名单x{n}.csv", [["部门名称"], [name], ["市教育局"]])
        _, data = run(capsys, short, "-o", tmp_path / f"局汇总x{n}.xlsx", "--roster", roster)
        assert data["missing_units"] == [] and data["unlisted_units"] == [], name
    for n, schools in enumerate([{"党校图书馆": "中共甲市委党校", "党校食堂": "中共乙市委党校"}, {"党校图书馆": "中共某县委党校"}]):
        units = reporting(tmp_path / f"other{n}", {**schools, "一中": "某市教育局（101001）"})
        roster = write_csv(tmp_path / f"名单y{n}.csv", [["部门名称"], ["某市党校"], ["市教育局"]])
        _, data = run(capsys, units, "-o", tmp_path / f"局汇总y{n}.xlsx", "--roster", roster)
        assert data["missing_units"] == ["某市党校"]
