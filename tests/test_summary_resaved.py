"""A summary opened and saved again unchanged, by LibreOffice or by openpyxl, is the same summary: it shows no edit
(a new one may be written over it, and the bureau is told of none) and one level up it gives what it gave before.
Users routinely open a summary and save it, which rewrites its cells' types, shared strings, number formats,
links, row heights and merged cells. Built on the generated departments of test_consolidate_properties, with units'
texts a program may take for something else (formulas, numbers, dates, very long or multi-line texts, full-width
characters) and findings of every kind. Each case is seeded, a failure names its seed, and XLMON_PROPERTY_CASES=n
runs n cases."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import libreoffice_convert
from test_consolidate_properties import (DEPARTMENTS, MONTHS, Department, Unit, add_strays, assert_same_figures,
                                         consolidate, findings, random_units, seeds, sent_again, write_department)
from xlmon import demo
from xlmon import layout as L
from xlmon.adapters.files import read_workbook
from xlmon.consolidate.extract import edits_in
from xlmon.profile import load_profile

EDIT_CODES = ("K005", "K012", "K014")
# What units type that a spreadsheet program may take for something else than the text it is.
ODD_TEXTS = ("=1+1", "@SUM(A1)", "+86 138 0013 8000", "-", "--", "=HYPERLINK(\"http://example.com\",\"点此\")",
             "第一行\n第二行\n第三行", "全角：ＡＢＣ１２３，（１）％", "1e5", "0012", "50%", "TRUE", "2026-07-01",
             "1/2", " 前后有空格 ", "<r><t>不是富文本</t></r>", "_x0041_", "A&B<C>\"D\"", "'引号开头", "#N/A",
             "制表\t符", "３．５万元", "（一）\r\n（二）")
ODD_NAMES = ("=项目A", "@项目", "+项目", "－项目", "全角项目（ＡＢＣ）", "项目\n（续）")
LONG_UNIT = "附属实验学校（东校区）后勤保障与校园安全管理服务中心"
ODD_SHEETS = ("0012", "2026-07-01", "TRUE", "=SUM(A1)", "项目 '一'", "1e5", "#N/A", "全角　空格", "A&B")
# file names a link escapes (来源文件, 位置, 文件清单 open the unit's file)
ODD_FILES = ("{} #2.xlsx", "{}（6月）[终稿] 100%.xlsx", "{} 上报 {{最终}}.xlsx", "{}&附件.xlsx", "{}'s.xlsx")
# N001: an amount cell holding text; demo.planted_values takes each of these marks
ODD_AMOUNTS = {"N001:odd-spent": ("spent", "=1+1"), "N001:odd-forecast": ("forecast", "约５０万")}


def long_text(rng: random.Random) -> str:
    """A 偏差原因分析 of many sentences, one a line now and then."""
    parts = [rng.choice((*demo.DEVIATION_REASONS, *demo.MEASURES, *demo.LAG_REASONS)) for _ in range(rng.randint(10, 60))]
    return "".join(p + ("\n" if rng.random() < 0.1 else "") for p in parts)


def odd_text(rng: random.Random) -> str:
    return long_text(rng) if rng.random() < 0.25 else rng.choice(ODD_TEXTS)


def vary(rng: random.Random, units: list[Unit]) -> None:
    """Units' texts of every kind: long names, projects named oddly, indicators' names, reasons and remarks that
    look like formulas, numbers or dates, run over lines or are very long; amounts typed as text, and the
    mistakes the hand-typed layouts plant (C001-C004), whose findings quote them."""
    for unit in units:
        if rng.random() < 0.2:
            unit.name, unit.file = unit.name + LONG_UNIT[:rng.randint(4, len(LONG_UNIT))], ""
            unit.__post_init__()
        if rng.random() < 0.2:
            unit.file = rng.choice(ODD_FILES).format(unit.name)
        if rng.random() < 0.05:  # typed in 元: K019 for each of its forms, where the department has others
            unit.projects = [replace(p, funding={k: in_yuan(a) for k, a in p.funding.items()}) for p in unit.projects]
        for p in unit.projects:
            if rng.random() < 0.1:
                p.short = rng.choice(ODD_SHEETS)
            if rng.random() < 0.2:
                p.name = rng.choice(ODD_NAMES) + p.name
            elif rng.random() < 0.15:
                p.name = p.name * rng.randint(3, 8)
            for ind in p.indicators:
                if ind.reason or rng.random() < 0.2:
                    ind.reason = odd_text(rng) if rng.random() < 0.6 else ind.reason
                if rng.random() < 0.15:
                    ind.remark = odd_text(rng)
                if rng.random() < 0.05:
                    ind.level3 = rng.choice(ODD_TEXTS[:6]) + ind.level3
            if (planted := _plantable(unit.style)) and rng.random() < 0.3:
                p.marks = (*p.marks, rng.choice(planted))


def in_yuan(amounts: demo.Amounts) -> demo.Amounts:
    return demo.Amounts(**{f: None if (v := getattr(amounts, f)) is None else v * 10_000 for f in L.INPUT_AMOUNTS})


def _plantable(style: str) -> list[str]:
    """The mistakes a form of this style can be written with: text in an amount cell on the template; on a form
    typed by hand, 小计 and rates typed wrong (the template's are formulas)."""
    if style == "template":
        return [*ODD_AMOUNTS, demo.N001_SPENT, demo.N001_FORECAST]
    return [demo.C001, demo.C002, demo.C003, demo.C004] if style != "grid" else []


def department_inbox(rng: random.Random, folder: Path, index: int) -> tuple[list[Path], list[str]]:
    """A department's units' files, as test_consolidate_properties.inbox sends them (a unit of another period, a
    copy of a file, a correction), their texts varied, the departments' units coded apart; and the options it
    consolidates them with: now and then a roster, missing a unit that sent files and naming one that sent none."""
    department = Department(*DEPARTMENTS[index], random_units(rng, rng.randint(2, 5)))
    for unit in department.units:
        unit.code = department.code + unit.code[-3:]
    vary(rng, department.units)
    add_strays(rng, department.units)
    for unit in department.units:  # a copy of another unit's form, as this unit writes its own
        kept = (demo.LAG, demo.MAYBE, demo.NEVER, *_plantable(unit.style))
        unit.strays = [replace(p, marks=tuple(m for m in p.marks if m in kept)) for p in unit.strays]
    if rng.random() < 0.2:
        rng.choice(department.units).months = MONTHS - 1
    paths = write_department(folder, department) + sent_again(rng, folder, department, 0.4)
    options = []
    if rng.random() < 0.3:
        roster = folder.parent / f"名单{index}.csv"
        names = [u.name for u in department.units[1:]] + ["某市未报送单位=1+1"]
        roster.write_text("单位名称\n" + "".join(f"{n}\n" for n in names), encoding="utf-8")
        options = ["--roster", str(roster)]
    return paths, options


def summaries(rng: random.Random, root: Path) -> list[tuple[Path, dict, list]]:
    """Two departments' summaries and their bureau's: each with what consolidate said of it, and what it was
    made of (its options and inputs)."""
    made = []
    for i in range(2):
        paths, options = department_inbox(rng, root / "units" / str(i), i)
        out = root / "out" / f"部门{i}汇总.xlsx"
        made.append((out, consolidate(*options, *paths, output=out), [*options, *paths]))
    bureau = root / "out" / "局汇总.xlsx"
    departments = [path for path, _, _ in made]
    return [*made, (bureau, consolidate(*departments, output=bureau), departments)]


def openpyxl_resave(paths: list[Path], outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    out = []
    for path in paths:
        load_workbook(path).save(outdir / path.name)
        out.append(outdir / path.name)
    return out


def assert_unchanged(original: Path, own: dict, resaved: Path, root: Path, context: str) -> None:
    """No edit in the summary saved again, and one level up it gives what the original gives."""
    assert edits_in(read_workbook(resaved).sheets, load_profile()) == [], context
    before = consolidate(original, output=root / "up" / "before" / original.name)
    after = consolidate(resaved, output=root / "up" / resaved.parent.name / original.name)
    assert not [d for d in after["diagnostics"] if d["code"] in EDIT_CODES], context
    # its totals, projects and grades; how many units one level up tells apart (namesakes of two departments in a
    # bureau's summary) is names.Units' to decide, not the saving's
    assert_same_figures({**after, "units": own["units"]}, own, context)
    assert_same_figures(after, before, context)
    assert findings(after) == findings(before), context


@pytest.mark.parametrize("seed", seeds(4, 21))
def test_a_summary_saved_again_unchanged_shows_no_edit(tmp_path, soffice, monkeypatch, seed):
    for mark, planted in ODD_AMOUNTS.items():
        monkeypatch.setitem(demo.N001_TEXT, mark, planted)
    rng = random.Random(seed)
    made = summaries(rng, tmp_path)
    paths = [path for path, _, _ in made]
    ways = {"libreoffice": libreoffice_convert(soffice, paths, tmp_path / "libreoffice", "xlsx:Calc MS Excel 2007 XML"),
            "openpyxl": openpyxl_resave(paths, tmp_path / "openpyxl")}
    for way, resaved in ways.items():
        for (path, own, _), again in zip(made, resaved):
            assert_unchanged(path, own, again, tmp_path, f"seed {seed}: {path.name} saved by {way}")
        bureau = consolidate(*resaved[:2], output=tmp_path / "bureau" / way / "局汇总.xlsx")
        assert not [d for d in bureau["diagnostics"] if d["code"] in EDIT_CODES], f"seed {seed}: {way}"
        assert_same_figures(bureau, made[2][1], f"seed {seed}: the bureau of the summaries saved by {way}")
        # made again over the copy saved: written (no edit refused), the same summary
        for (path, own, inputs), again in zip(made, resaved):
            assert_same_figures(consolidate(*inputs, output=again), own, f"seed {seed}: {path.name} made again "
                                                                          f"over the copy {way} saved")
