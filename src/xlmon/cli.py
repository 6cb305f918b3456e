"""The `xlmon` command: a thin layer over the library (exit 0 clean, 1 findings, 2 usage or tool failure)."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

from .cli_parser import EXIT_USAGE, Parser, whole, year
from .file_errors import os_reason

EXIT_OK, EXIT_FINDINGS, EXIT_FAILURE = 0, 1, EXIT_USAGE


def build_parser() -> Parser:
    parser = Parser(prog="xlmon", description="预算绩效运行监控表：模板、读取、计算与校验。")
    parser.add_argument("--version", action="version", version=_version(), help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True, parser_class=Parser)

    check = sub.add_parser("check", help="校验监控表（文件或文件夹）",
                           description="读取并校验监控表，逐条列出问题：file:sheet!cell: CODE message。")
    check.add_argument("paths", nargs="+", metavar="PATH", help="工作簿文件或文件夹（.xlsx/.xlsm/.xls）")
    check.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（默认 text）")
    check.add_argument("--no-info", action="store_true", help="不显示“提示”级别的条目")
    check.add_argument("--profile", metavar="FILE", help="规则配置文件（TOML，默认使用内置配置；见 xlmon profile）")
    check.add_argument("--annotate", metavar="OUT", help="另存一份标注副本：按红黄绿填色、问题单元格加框和批注、"
                                                           "附“校验结果”表（只能用于单个文件，原文件不变）")

    cons = sub.add_parser("consolidate", help="汇总各单位的监控表",
                          description="把各单位的工作簿（或各部门的汇总表）汇总成一个汇总工作簿。")
    cons.add_argument("inputs", nargs="+", metavar="INPUT", help="工作簿文件或文件夹（可混合）")
    cons.add_argument("-o", "--output", required=True, metavar="SUMMARY", help="汇总工作簿（.xlsx）")
    cons.add_argument("--roster", metavar="FILE", help="应报单位名单（CSV 或 xlsx，取表头为“单位名称”等的一列），用于列出未报送单位和不在名单中的报送单位；"
                      "不指定时使用输入文件夹中文件名含“名单”的那一个文件")
    cons.add_argument("--overall-from", metavar="SUMMARY", help="此前的汇总表：把部门在其中填写的部门整体表（年度绩效目标、"
                      "绩效指标、改过的金额）带到新的汇总表中；可与 -o 为同一文件（用新汇总替换它）")
    cons.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（默认 text）")
    cons.add_argument("--profile", metavar="FILE", help="规则配置文件（TOML）")
    cons.add_argument("--workers", type=whole(1, what="进程数"), metavar="N", help="并行读取的进程数（默认按 CPU 核数）")

    rep = sub.add_parser("report", help="生成绩效监控分析报告（草稿，.docx）",
                         description="按附件1提纲生成项目（部门整体）支出绩效监控分析报告草稿：单个项目表生成项目报告，"
                                     "含部门整体表或多个单位的工作簿生成部门报告。")
    rep.add_argument("inputs", nargs="+", metavar="INPUT", help="工作簿文件或文件夹（可混合）")
    rep.add_argument("-o", "--output", required=True, metavar="REPORT", help="分析报告（.docx）")
    rep.add_argument("--roster", metavar="FILE", help="应报单位名单（同 consolidate 的 --roster），报告列出未报送的单位；"
                     "不指定时使用输入文件夹中文件名含“名单”的那一个文件，由汇总表生成时使用汇总时核对的名单")
    rep.add_argument("--profile", metavar="FILE", help="规则配置文件（TOML）")

    clear = sub.add_parser("clear", help="清除 xlmon 的标注",
                           description="去掉 --annotate 加上的填色、边框、批注和“校验结果”表，其余内容不变。")
    clear.add_argument("file", metavar="FILE", help="带标注的工作簿")
    clear.add_argument("-o", "--output", metavar="OUT", help="输出文件（默认在原文件名后加“-已清除”）")

    prof = sub.add_parser("profile", help="打印内置规则配置（TOML）",
                          description="打印内置的规则配置，可另存后修改阈值或指标体系，再用 --profile 使用。")
    prof.add_argument("--check", metavar="FILE", help="只校验该配置文件是否可用")

    tpl = sub.add_parser("template", help="生成空白监控表模板",
                         description="生成官方格式的监控表模板（带公式、下拉选项和保护）。")
    tpl.add_argument("kind", choices=("project", "department"), help="project=项目支出；department=部门整体支出")
    tpl.add_argument("-o", "--output", required=True, metavar="FILE", help="输出文件（.xlsx）")
    tpl.add_argument("--year", type=year, default=datetime.date.today().year, help="年度（默认今年）")
    tpl.add_argument("--months", type=whole(1, 12, "月份"), default=6, help="监控期间 1-XX 月的 XX（1-12，默认 6）")
    tpl.add_argument("--project", help="项目名称")
    tpl.add_argument("--department", help="主管部门及代码")
    tpl.add_argument("--unit", help="预算单位")
    tpl.add_argument("--hierarchy", choices=("seed004", "national2021"),
                     help="指标体系：seed004=附件2 格式（默认）；national2021=财预〔2021〕101号")
    tpl.add_argument("--profile", metavar="FILE",
                     help="规则配置文件（TOML）：支出进度的颜色按其阈值、里程碑和颜色，指标体系按其 hierarchy")

    demo = sub.add_parser("demo", help="生成示例部门数据，校验并汇总",
                          description="在文件夹中生成一个示例部门（多个单位、多个项目），校验并打印摘要，"
                                      "再汇总为 部门汇总.xlsx。")
    demo.add_argument("folder", nargs="?", default="demo", help="输出文件夹（默认 demo）")

    addin = sub.add_parser("addin", help="安装或卸载 Excel 加载项“绩效监控”",
                           description="把“绩效监控”选项卡加载项安装到桌面版 Excel（Windows/macOS），并写入 Python 路径配置。")
    addin_sub = addin.add_subparsers(dest="addin_command", metavar="操作", required=True, parser_class=Parser)
    a_install = addin_sub.add_parser("install", help="安装加载项（复制到 Excel 启动文件夹）")
    a_install.add_argument("--dry-run", action="store_true", help="只显示将要做的修改，不实际执行")
    a_install.add_argument("--xlstart", metavar="DIR", help="改为复制到该文件夹（默认 Excel 的 XLSTART 文件夹）")
    a_install.add_argument("--profile", metavar="FILE",
                           help="同时安装本地的规则配置文件（TOML），各按钮按它校验、分级和汇总（默认沿用已安装的，或内置配置）")
    a_uninstall = addin_sub.add_parser("uninstall", help="卸载加载项")
    a_uninstall.add_argument("--xlstart", metavar="DIR", help="加载项所在文件夹（默认 Excel 的 XLSTART 文件夹）")
    doctor = sub.add_parser("doctor", help="检查 Excel 加载项的安装和配置",
                            description="检查加载项、Python 路径、xlwings 版本和模板，并给出处理办法（全部正常返回 0）。")
    doctor.add_argument("--xlstart", metavar="DIR", help="加载项所在文件夹（默认 Excel 的 XLSTART 文件夹）")

    serve = sub.add_parser("serve", help="启动加载项服务器和网页",
                           description="启动 xlwings Server 接口（Excel 加载项的按钮）、加载项清单 /manifest.xml "
                                       "和上传网页 /。设置环境变量 XLMON_TOKEN 可要求访问令牌。")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；局域网服务用 0.0.0.0）")
    serve.add_argument("--port", type=whole(1, 65535, "端口"), default=8000, help="端口（默认 8000）")
    serve.add_argument("--certfile", metavar="FILE", help="HTTPS 证书（PEM）；Excel 加载项要求 HTTPS")
    serve.add_argument("--keyfile", metavar="FILE", help="HTTPS 私钥（PEM）")
    serve.add_argument("--public-url", metavar="URL", help="Excel 访问本服务的地址，写入清单（默认按请求地址）")
    serve.add_argument("--profile", metavar="FILE", help="规则配置文件（TOML）：网页和加载项的各按钮都按它校验、分级和汇总")
    return parser


def _version() -> str:
    from importlib.metadata import version
    return f"xlmon {version('xlmon')}"


def _profile(args):
    """The rule profile of --profile (or the built-in one); None after saying why it cannot be used."""
    from .profile import ProfileError, load_profile

    try:
        return load_profile(args.profile)
    except ProfileError as exc:
        print(f"xlmon: {exc}", file=sys.stderr)
        return None


def _unit_files(inputs: list[str]) -> list[Path]:
    """The workbooks to check: the roster kept in an input folder (单位名单.xlsx, as 汇总 takes it) is no unit's form,
    and was an error (F007, 没有找到…监控表) in every check of the folder; named as a file, it is checked."""
    from .adapters.files import find_workbooks

    found = find_workbooks(inputs)
    if not any(origin for _, origin in found):  # files named alone: no folder's roster, nor the consolidation's import
        return [p for p, _ in found]
    roster = _folder_roster(inputs)[0]
    roster = roster.resolve() if roster else None
    return [p for p, origin in found if origin is None or p.resolve() != roster]


def cmd_check(args) -> int:
    from .adapters.files import other_files
    from .check import check_paths
    from .diagnostics import has_errors
    from .file_errors import others_note
    from .output import dumps, text_lines

    profile = _profile(args)
    if profile is None:
        return EXIT_FAILURE
    paths = _unit_files(args.paths)
    if args.annotate and len(paths) != 1:
        print("xlmon: --annotate 只能用于单个工作簿文件。", file=sys.stderr)
        return EXIT_FAILURE
    if not paths:  # an empty folder is no clean pass
        print(f"xlmon: 没有找到要检查的工作簿（.xlsx/.xlsm/.xls）：{'、'.join(args.paths)}", file=sys.stderr)
        if args.format == "json":
            print(dumps([], ascii=_narrow_stdout()))
        return EXIT_FINDINGS
    results = check_paths(paths, profile)
    if args.format == "json":
        print(dumps(results, ascii=_narrow_stdout()))
    else:
        print("\n".join(text_lines(results, show_info=not args.no_info)))
        if note := others_note(other_files(args.paths)):
            print(note)
    if args.annotate:
        written = _annotate(results[0], Path(args.annotate), profile)
        if written is None:
            return EXIT_FAILURE
        if args.format == "text":
            print(f"已写出标注副本：{written}")
    return EXIT_FINDINGS if any(has_errors(r.diagnostics) for r in results) else EXIT_OK


def _annotate(result, out: Path, profile) -> Path | None:
    from .adapters.workbook_marks import annotate_file
    from .marks import plan_marks

    if result.status == "unreadable":
        print(f"xlmon: {result.path} 无法读取，不能生成标注副本。", file=sys.stderr)
        return None
    plan = plan_marks(result.forms, result.diagnostics, profile.colours())
    return _write(out, lambda: annotate_file(result.path, out, plan))


def _write(out: Path, write, app: str = "Excel") -> Path | None:
    """Run an adapter's write; its refusals (ValueError, Chinese) and I/O errors become one line."""
    try:
        return write()
    except ValueError as exc:
        print(f"xlmon: {exc}", file=sys.stderr)
    except OSError as exc:
        print(f"xlmon: 无法写入 {out}（{os_reason(exc)}），请确认文件未被 {app} 打开且目录可写。", file=sys.stderr)
    return None


def _output(args, suffix: str, what: str, example: str) -> Path | None:
    """args.output, or None after saying why when it does not end in `suffix` (a folder given for the file
    is named as one, with the file it may have meant: example, a name ending in suffix)."""
    output = Path(args.output)
    if os.path.isdir(output):
        print(f"xlmon: {output} 是文件夹，请给出{what}的文件名，如 {output / example}。", file=sys.stderr)
        return None
    if output.suffix.lower() != suffix:
        print(f"xlmon: {what}的扩展名应为 {suffix}（如 {output.with_name(output.stem + suffix)}）。", file=sys.stderr)
        return None
    return output


def cmd_consolidate(args) -> int:
    import json

    from .consolidate.extract import NotCompleted
    from .consolidate.run import OutputIsInput, consolidate, summary_json

    profile = _profile(args)
    if profile is None:
        return EXIT_FAILURE
    output = _output(args, ".xlsx", "汇总文件", "部门汇总.xlsx")
    if output is None:
        return EXIT_FAILURE
    if args.roster and Path(args.roster).resolve() == output.resolve():
        print(f"xlmon: 汇总文件 {output} 就是单位名单文件；请换一个输出文件名（名单不会被覆盖）。", file=sys.stderr)
        return EXIT_FAILURE
    found = _roster(args)
    if found is None:
        return EXIT_FAILURE
    roster, roster_file, roster_note = found
    progress = _progress_bar() if sys.stderr.isatty() and args.format == "text" else None
    try:
        summary = consolidate(args.inputs, output, roster=roster, profile=profile, progress=progress,
                              workers=args.workers, roster_file=roster_file, carry_from=args.overall_from)
    except OutputIsInput as exc:
        print(f"xlmon: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except NotCompleted as exc:
        print(f"xlmon: --overall-from：{exc}；未生成汇总表。", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"\nxlmon: 无法写入 {output}（{os_reason(exc)}），请确认文件未被 Excel 打开且目录可写；"
              "未生成任何文件。", file=sys.stderr)
        return EXIT_FAILURE
    written = bool(summary.projects or summary.overall)
    if args.format == "json":
        data = summary_json(summary, output)
        data["roster"] = {"path": str(roster_file), "units": len(roster)} if roster else None
        data["roster_note"] = roster_note
        print(json.dumps(data, ensure_ascii=_narrow_stdout(), indent=2))
    else:
        if roster and not args.roster:
            print(f"单位名单：{roster_file}（输入文件夹中的名单，应报送 {len(roster)} 个单位）")
        if roster_note:
            print(roster_note)
        _print_summary(summary, output if written else None)
    return EXIT_OK if written else EXIT_FINDINGS


def _roster(args) -> tuple[list[str] | None, Path | None, str] | None:
    """The units expected to report, the file they were read from and a note: --roster's (None, said, when it
    cannot be read), else the one in an input folder, as the add-in takes it (one that cannot be read is a note)."""
    from .consolidate.roster import found_roster, read_roster

    if args.roster:
        try:
            return read_roster(Path(args.roster)), Path(args.roster), ""
        except (ValueError, OSError) as exc:
            print(f"xlmon: {exc}", file=sys.stderr)
            return None
    roster_file, roster_note = _folder_roster(args.inputs)
    roster, roster_note = found_roster(roster_file) if roster_file else (None, roster_note)
    return roster, roster_file, roster_note


def _folder_roster(inputs: list[str]) -> tuple[Path | None, str]:
    """Without --roster, the roster kept in an input folder (…名单… .xlsx holding no form, .csv, .txt), as the
    add-in's 汇总 takes it; none when the folders hold none or more than one."""
    from .consolidate.roster import folder_roster

    found, notes = [], []
    for folder in (Path(i) for i in inputs if os.path.isdir(i)):
        roster, note = folder_roster(folder)
        found += [roster] if roster else []
        notes += [note] if note else []
    if len(found) > 1:
        return None, f"输入的文件夹中有 {len(found)} 个名单文件（{'、'.join(map(str, found))}），未核对单位名单；请用 --roster 指定。"
    return (found[0] if found and not notes else None), "".join(notes)


def _progress_bar():
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done == total else ""
        print(f"\r汇总中 [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end, file=sys.stderr,
              flush=True)
    return show


def _print_summary(summary, output: Path | None) -> None:
    from . import layout as L
    from .calc import fmt_amount, fmt_rate
    from .consolidate.copies import SHOWN_DUPLICATES
    from .consolidate.records import left_out
    from .consolidate.run import carry_note, edits_note, unnamed_note
    from .file_errors import others_note
    from .marks import GRADE_ZH

    rejected = [o for o in summary.files if o.status != "included"]
    if output is None:  # no funding picture of nothing: only what was found and why none of it could be taken
        print(f"文件 {len(summary.files)} 个，未纳入 {len(rejected)} 个：" if summary.files else
              "输入中没有找到工作簿文件（.xlsx/.xlsm/.xls）。")
        for o in rejected:
            print(f"  未纳入：{o.path}：{o.reason}")
        if note := others_note(summary.others):
            print(note)
        print("没有可汇总的监控表，未生成汇总文件。")
        return
    errors = sum(d["severity"] == "error" for d in summary.diagnostics)
    print(f"期间：{L.period(summary.year, summary.months)}；"
          f"文件 {len(summary.files)} 个（未纳入 {len(rejected)} 个）；"
          f"{f'主管部门 {len(summary.departments)} 个，' if summary.by_department else ''}"
          f"单位 {len(summary.units)} 个，项目 {len(summary.projects)} 个。")
    t = summary.total
    print(f"资金总额：小计 {fmt_amount(t.subtotal)}，支出 {fmt_amount(t.spent)}，支出进度 {fmt_rate(t.spend_progress)}，"
          f"时间进度 {fmt_rate(summary.time_progress)}，评级 {GRADE_ZH.get(t.grade or '', '—')}。")
    print("项目评级：" + "，".join(f"{GRADE_ZH[g]}灯 {n} 个" for g, n in summary.grades.items())
          + f"；重点监控建议 {len(summary.focus)} 个；问题 {len(summary.diagnostics)} 条（错误 {errors} 条）。")
    to_see, kept = left_out(summary.files)
    for o in to_see:
        print(f"  未纳入：{o.path}：{o.reason}")
    if kept:
        first = next(o for o in rejected if o.earlier)
        print(f"  未纳入：另有 {kept} 个文件是前期的表（{first.path} 等），本期的同一张表已另行报送，无需处理。")
    for d in summary.duplicates[:SHOWN_DUPLICATES]:
        print(f"  重复：{d}")
    if more := unnamed_note(summary):
        print(f"  重复：{more}。")
    for path, edits in _edited_inputs(summary.diagnostics).items():
        first = next((f"{d['sheet']}!{d['cell']}" for d in edits if d.get("cell")), edits[0]["sheet"])
        print(f"  已被修改：{path}：{len(edits)} 处（{first}{' 等' if len(edits) > 1 else ''}），修改未计入汇总（见“校验问题”）")
    for u in summary.missing_units:
        period = summary.other_period.get(u)
        files = summary.unusable.get(u)
        print(f"  未报送：{u}" + (f"（报送的是 {period} 的表，期间不符，未纳入）" if period else
                                 f"（报送的文件 {'、'.join(files)} 未能纳入）" if files else ""))
    for u in summary.unlisted_units:
        print(f"  不在名单中：{u}")
    if note := others_note(summary.others):
        print(note)
    if output and (note := carry_note(summary)):
        print(f"部门整体：{note}")
    if note := edits_note(summary):
        print(note)
    print(f"已写出汇总：{output}")


def _edited_inputs(diagnostics: list[dict]) -> dict[str, list[dict]]:
    """The summaries among the inputs that were changed by hand (K005, K012, K014), each with its edits: the bureau
    counts their records, not what was typed, and is told so beside the files left out."""
    from .report.content import EDITED

    edited: dict[str, list[dict]] = {}
    for d in diagnostics:
        if d["code"] in EDITED:
            edited.setdefault(d["file"], []).append(d)
    return edited


def cmd_report(args) -> int:
    from .report import NothingToReport, report_for_paths, write_docx
    from .report.docx_writer import replaceable

    profile = _profile(args)
    if profile is None:
        return EXIT_FAILURE
    output = _output(args, ".docx", "分析报告", "分析报告.docx")
    if output is None:
        return EXIT_FAILURE
    if not replaceable(output):
        print(f"xlmon: 文件 {output} 已存在，且不是 xlmon 生成后未经改动的分析报告（可能已补充【待填写】处），"
              "不会覆盖它；请换一个文件名。", file=sys.stderr)
        return EXIT_FAILURE
    found = _roster(args)
    if found is None:
        return EXIT_FAILURE
    roster, roster_file, roster_note = found
    if roster_note:
        print(roster_note)
    try:
        report = report_for_paths(args.inputs, profile, roster_file=roster_file, roster=roster)
    except NothingToReport as exc:
        print("没有可用的绩效运行监控表，未生成分析报告：", *(f"  {why}。" for why in exc.reasons), sep="\n", file=sys.stderr)
        return EXIT_FINDINGS
    if _write(output, lambda: write_docx(report, output), app="Word") is None:
        return EXIT_FAILURE
    print(f"已写出分析报告（草稿）《{report.title}》：{output}。标黄的【待填写】处需人工补充，【草稿】处请审核。")
    return EXIT_OK


def cmd_clear(args) -> int:
    from .adapters.files import read_workbook
    from .adapters.workbook_marks import clear_file
    from .marks import RESULTS_SHEET, STATE_SHEET

    source = Path(args.file)
    book = read_workbook(source)
    if book.refusal:
        print(book.refusal.diagnostic(str(source)).line(), file=sys.stderr)
        return EXIT_FAILURE
    if not {RESULTS_SHEET, STATE_SHEET} & book.sheets.keys():  # nothing of xlmon's to take off
        print(f"{source} 中没有 xlmon 的标注，无需清除，未生成新文件。")
        return EXIT_OK
    from .adapters.workbook_marks import copy_suffix
    from .atomic import free_name

    out = Path(args.output) if args.output else free_name(source.with_name(f"{source.stem}-已清除{copy_suffix(source)}"))
    written = _write(out, lambda: clear_file(source, out))
    if written is None:
        return EXIT_FAILURE
    print(f"已清除标注：{written}")
    return EXIT_OK


def cmd_profile(args) -> int:
    from .profile import ProfileError, default_profile_text, load_profile

    if args.check:
        try:
            load_profile(args.check)
        except ProfileError as exc:
            print(f"xlmon: {exc}", file=sys.stderr)
            return EXIT_FINDINGS
        print(f"规则配置可用：{args.check}")
        return EXIT_OK
    print(default_profile_text(), end="")
    return EXIT_OK


def cmd_template(args) -> int:
    from .templates import save_atomic, template_workbook

    output = _output(args, ".xlsx", "模板文件", "项目支出绩效运行监控表.xlsx")
    if output is None:
        return EXIT_FAILURE
    if os.path.exists(output):  # a blank form written over one already filled in would lose it
        print(f"xlmon: 文件 {output} 已存在，未生成模板（不覆盖已有文件）；请换一个文件名，或先删除该文件。",
              file=sys.stderr)
        return EXIT_FAILURE
    profile = _profile(args)
    if profile is None:
        return EXIT_FAILURE
    wb = template_workbook(args.kind, year=args.year, months=args.months, project=args.project,
                           department=args.department, unit=args.unit, hierarchy=args.hierarchy, profile=profile)
    path = _write(output, lambda: save_atomic(wb, output))
    if path is None:
        return EXIT_FAILURE
    print(f"已生成模板：{path}")
    return EXIT_OK


def cmd_demo(args) -> int:
    from .check import check_paths
    from .demo import FolderTaken, SUMMARY_NAME, generate
    from .output import summary_line

    try:
        paths = generate(args.folder)
    except FolderTaken as exc:
        print(f"xlmon: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        return _demo_unwritten(args.folder, exc)
    results = check_paths(paths)
    print(f"示例部门已生成：{args.folder}/（{len(paths)} 个单位工作簿）")
    for r in results:
        errors = sum(d.severity == "error" for d in r.diagnostics)
        warnings = sum(d.severity == "warning" for d in r.diagnostics)
        print(f"  {Path(r.path).name}：{len(r.forms)} 张表，错误 {errors}，警告 {warnings}")
    print(summary_line(results))
    from .consolidate.run import OutputIsInput, consolidate

    target = Path(args.folder) / SUMMARY_NAME
    try:
        summary = consolidate([args.folder], target)
    except OutputIsInput as exc:  # the sample's summary, edited since: kept, and said so
        print(f"xlmon: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        return _demo_unwritten(args.folder, exc)
    print(f"部门汇总已写出：{target}（{len(summary.projects)} 个项目，重点监控建议 {len(summary.focus)} 个）")
    # the folder now holds the summary too, and its 部门整体 is checked with the units' files
    print(f"逐条查看：xlmon check {args.folder}（{SUMMARY_NAME} 也在其中：其“部门整体”表的绩效指标待部门填写）")
    return EXIT_OK


def _demo_unwritten(folder: str, exc: OSError) -> int:
    print(f"xlmon: 无法在文件夹 {folder} 中写入示例文件（{os_reason(exc)}），请确认其中的文件未被 Excel 打开且磁盘可写；"
          "已写出的文件都是完整的。", file=sys.stderr)
    return EXIT_FAILURE


def cmd_addin(args) -> int:
    from .addin_setup import install, uninstall

    if args.addin_command == "install":
        return install(args.xlstart, dry_run=args.dry_run, profile=args.profile)
    return uninstall(args.xlstart)


def cmd_doctor(args) -> int:
    from .addin_setup import doctor

    return doctor(args.xlstart)


def cmd_serve(args) -> int:
    if bool(args.certfile) != bool(args.keyfile):
        print("xlmon: --certfile 和 --keyfile 需要同时给出。", file=sys.stderr)
        return EXIT_FAILURE
    for path in (args.certfile, args.keyfile):
        if path and not Path(path).is_file():
            print(f"xlmon: 找不到文件：{path}", file=sys.stderr)
            return EXIT_FAILURE
    profile = _profile(args)
    if profile is None:
        return EXIT_FAILURE
    try:
        sock = _listening_socket(args.host, args.port)
    except OSError as exc:
        print(f"xlmon: 无法在 {args.host}:{args.port} 上启动服务：{_bind_problem(exc, args)}。", file=sys.stderr)
        return EXIT_FAILURE
    import uvicorn

    from .server.app import Settings, create_app

    config = uvicorn.Config(create_app(Settings(public_url=args.public_url, profile=profile)), host=args.host,
                            port=args.port, ssl_certfile=args.certfile, ssl_keyfile=args.keyfile, log_level="warning")
    scheme = "https" if args.certfile else "http"
    print(f"xlmon 服务已启动：{scheme}://{args.host}:{args.port}/（清单：/manifest.xml），按 Ctrl+C 停止。")
    with sock:
        uvicorn.Server(config).run(sockets=[sock])
    return EXIT_OK


def _listening_socket(host: str, port: int):
    """The server's socket, bound here so that a port in use is said plainly before anything claims to run
    (uvicorn would log its own English error after our 已启动 and exit 3)."""
    import socket

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        if sys.platform != "win32":  # as uvicorn does; on Windows it would let a second server share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _bind_problem(exc: OSError, args) -> str:
    import errno
    import socket

    if isinstance(exc, socket.gaierror):
        return f"无法识别地址“{args.host}”，请检查 --host"
    if exc.errno == errno.EADDRINUSE:
        return f"端口 {args.port} 已被占用（可能已有 xlmon 服务在运行），请用 --port 换一个端口"
    if exc.errno == errno.EACCES:
        return f"没有使用端口 {args.port} 的权限（1024 以下的端口需要管理员权限），请用 --port 换一个端口"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"本机没有地址 {args.host}，请检查 --host（本机用 127.0.0.1，局域网服务用 0.0.0.0）"
    return os_reason(exc)


COMMANDS = {"check": cmd_check, "consolidate": cmd_consolidate, "report": cmd_report, "clear": cmd_clear, "profile": cmd_profile,
            "template": cmd_template, "demo": cmd_demo, "serve": cmd_serve, "addin": cmd_addin,
            "doctor": cmd_doctor}


def _tolerant_output() -> None:
    """Text the output's code page cannot hold (✓ in GBK, where a Chinese Windows redirects output to a file;
    a rare character in a unit's remark) is printed as ? instead of stopping the command half-way."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and stream.errors == "strict":
            stream.reconfigure(errors="replace")


def _narrow_stdout() -> bool:
    """Whether stdout's encoding cannot hold every character: JSON is then written with \\u escapes, which
    lose nothing, rather than with the ? that _tolerant_output puts in text."""
    return not (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("_", "-").startswith("utf")


def main(argv: list[str] | None = None) -> int:
    _tolerant_output()
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:  # Ctrl+C: outputs are written atomically, so none is left half-written
        print("\nxlmon: 已中断（Ctrl+C），没有写出不完整的文件。", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # output piped into `head` and closed: not a failure of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # the tool itself failed: say so plainly, exit 2
        print(f"xlmon: 内部错误（{type(exc).__name__}: {exc}）", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
