"""The web page in a real browser sends what the API-level properties assume it sends, and shows what the API answers.

test_front_ends_consolidate_properties, test_check_front_ends_properties and test_report_front_ends_properties post a
department's folder to the API as a hand-written model of index.js (page_files, page_upload, sent_for_check): which
files, under which names, with which `modified` times, and the roster's field. Here the same random inboxes (inbox:
units' files in sub-folders with spaces and long names, a damaged workbook, text saved as .xls, a zip, a Word file,
Office's lock file, last time's summary, the roster …名单.csv or .xlsx, a 科's list in its sub-folder) are chosen on
the real page in headless Chromium against a real `xlmon serve`: the folder as a user chooses it, or its top's
workbooks chosen as files, in one go or one batch after another, perhaps all of it twice; sometimes the roster in its
own field too, before or after. For 校验, 汇总 and 生成报告 (pressed in any order) the multipart body the page posts
must equal the model's: field for field, name for name, byte for byte, time for time (the files in any order: the
server takes them in their folder's order). The page then shows what the API's JSON answer says: the files and
findings of 校验, the summary's counts, the files left out, the units missing, the notes, the downloads' names and
bytes, or the answer's reason when it refuses; all in Chinese, nothing of a Python traceback and no English words.
Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from seeded import seeds
from test_check_front_ends_properties import sent_for_check
from test_front_ends_consolidate_properties import inbox, page_upload
from test_webpage import browser, open_page  # noqa: F401  (fixtures)

pytest_plugins = ("server_process",)

SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS = {"ok": "通过", "invalid": "发现错误", "unreadable": "无法读取"}
# what may be written in Latin letters on the page: file suffixes, codes, the tool's name and sizes
LATIN = re.compile(r"^(xlsx|xlsm|xls|xltx|xltm|xlt|et|ett|csv|txt|zip|docx|pdf|xlsb|ods|xlmon|MB|KB|Excel|WPS|"
                   r"HTTP|[A-Z]{1,3}\d*|[A-Z]\d{3})$")


# ---------------------------------------------------------------------------------------------------------------
# What the page posts.
# ---------------------------------------------------------------------------------------------------------------

# Chromium gives no request's body that holds files (Request.post_data is None): the page's fetch is watched instead,
# and what it is handed to post recorded, each part as the multipart body carries it (a File under the name it was
# appended with).
WATCH_FETCH = """
window.xlmonSent = [];
const realFetch = window.fetch;
window.fetch = async (url, options) => {
  if (options && options.body instanceof FormData) {
    const parts = [];
    for (const [field, value] of options.body.entries()) {
      const data = value instanceof File ? new Uint8Array(await value.arrayBuffer()) : new TextEncoder().encode(value);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      parts.push([field, value instanceof File ? value.name : null, data.length,
                  Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
                  value instanceof File ? null : value]);
    }
    window.xlmonSent.push({ url: String(url), parts });
  }
  return realFetch(url, options);
};
"""


def posted(page: Page) -> list[tuple]:
    """What the page last posted: (field, file name or None, size, sha256, the text of a field that is no file)."""
    return [tuple(part) for part in page.evaluate("window.xlmonSent.at(-1).parts")]


def modelled(route: str, folder: Path, roster: Path | None) -> list[tuple[str, str | None, bytes]]:
    """The model's body for `route`: 校验 sends the chosen workbooks only (sent_for_check), 汇总 and 生成报告
    page_upload's fields."""
    if route == "/api/check":
        sent = sent_for_check(folder)
        files = [("files", (name, path.read_bytes())) for name, path in sent]
        data = {"modified": json.dumps([int(path.stat().st_mtime * 1000) for _, path in sent])}
    else:
        files, data = page_upload(folder, roster)
    fields = [(field, name, data) for field, (name, data) in files if field == "files"]
    rest = [(field, name, data) for field, (name, data) in files if field != "files"]
    return [*fields, *((field, None, text.encode()) for field, text in data.items()), *rest]


def described(parts) -> list[tuple]:
    return [(field, name, len(data), hashlib.sha256(data).hexdigest(), None if name else data.decode())
            for field, name, data in parts]


def body(parts: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """A body's files, each with its `modified` time, in name order (the server takes them in their folder's order,
    whatever order they come in), and its other fields, in order: `others`, the names of the folder's papers not
    sent, in name order too (the page lists them as the browser gives it the folder's files)."""
    files = [part[1:4] for part in parts if part[0] == "files"]
    times = [json.loads(part[4]) for part in parts if part[0] == "modified"]
    assert len(times) == 1 and len(times[0]) == len(files), (parts, times)
    rest = [("others", sorted(json.loads(p[4]))) if p[0] == "others" else p[:4] for p in parts
            if p[0] not in ("files", "modified")]
    return sorted((*f, t) for f, t in zip(files, times[0])), rest


# ---------------------------------------------------------------------------------------------------------------
# What the page shows.
# ---------------------------------------------------------------------------------------------------------------

def cells(page: Page, selector: str) -> list[list[str]]:
    return page.locator(selector).evaluate_all("rows => rows.map(r => Array.from(r.cells, c => c.textContent))")


def texts(page: Page, selector: str) -> list[str]:
    return page.locator(selector).all_text_contents()


def finding_rows(diagnostics: list[dict], file_of) -> list[list[str]]:
    return [[file_of(d) or "", d["sheet"] or "", d["cell"] or "", d["code"], SEVERITY[d["severity"]], d["message"]]
            for d in diagnostics]


def downloaded(page: Page, selector: str, tmp_path: Path) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(selector)
    target = tmp_path / "downloads" / info.value.suggested_filename
    info.value.save_as(target)
    return info.value.suggested_filename, target.read_bytes()


def shows_check(page: Page, answer: dict, tmp_path: Path, context: str) -> None:
    expect(page.locator("#check-result")).to_be_visible()
    lines = texts(page, "#check-files li")
    assert len(lines) == len(answer["files"]), (context, lines)
    for line, record in zip(lines, answer["files"]):
        assert line.startswith(f"{record['path']}  {STATUS[record['status']]}"), (context, line, record["path"])
        if record["status"] != "unreadable":
            counts = [sum(d["severity"] == s for d in record["diagnostics"]) for s in SEVERITY]
            assert line.endswith(f"：{len(record['forms'])} 张监控表，错误 {counts[0]} 个，警告 {counts[1]} 个，"
                                 f"提示 {counts[2]} 个"), (context, line)
    rows = [d | {"file": f["path"]} for f in answer["files"] for d in f["diagnostics"]]
    assert cells(page, "#diagnostics-body tr") == finding_rows(rows, lambda d: d["file"]), context
    links = texts(page, "#check-downloads a")
    assert links == [f"下载 {f['name']}（标注了问题的副本）" for f in answer["annotated"]], (context, links)
    assert texts(page, "#check-downloads span") == [f"未生成标注副本：{r}" for r in answer["unmarked"]], context
    if answer["annotated"]:
        i = len(answer["annotated"]) - 1
        name, data = downloaded(page, f"#annotated-{i}", tmp_path)
        assert (name, data) == (answer["annotated"][i]["name"], base64.b64decode(answer["annotated"][i]["data"])), (
            context, name)


def shows_summary(page: Page, answer: dict, tmp_path: Path, context: str) -> None:
    expect(page.locator("#consolidate-result")).to_be_visible()
    included = sum(f["status"] == "included" for f in answer["files"])
    departments = f"{len(answer['departments'])} 个主管部门、" if len(answer["departments"]) > 1 else ""
    expect(page.locator("#summary-counts")).to_have_text(
        f"汇总了 {included} 个文件：{departments}{answer['units']} 个单位，{answer['projects']} 个项目。")
    rejected = [f for f in answer["files"] if f["status"] == "rejected"]
    rejected.sort(key=lambda f: bool(f["earlier"]))
    assert texts(page, "#rejected-list li") == [f"{f['path']}：{f['reason'] or '未说明原因'}" for f in rejected], context
    notes = " ".join(texts(page, "#summary-notes-list li"))
    if answer["roster"]:
        missing = answer["missing_units"]
        assert (f"未报送 {len(missing)} 个：{'、'.join(missing)}" if missing else "各单位均已报送") in notes, (
            context, notes)
        assert f"应报送 {answer['roster']['units']} 个单位" in notes, (context, notes)
        for unit in answer["unlisted_units"]:
            assert unit in notes, (context, notes, unit)
    else:
        assert "按单位名单" not in notes, (context, notes)
    if answer["roster_note"]:
        assert answer["roster_note"] in notes, (context, notes)
    # as the server writes it, the page writing none of it (consolidate.run.duplicates_note)
    assert (answer["duplicates_note"] in notes) if answer["duplicates"] else "重复报送" not in notes, (context, notes)
    assert cells(page, "#summary-diagnostics-body tr") == finding_rows(answer["diagnostics"], lambda d: d["file"]), (
        context)
    for g in ("red", "yellow", "green"):
        expect(page.locator(f"#grade-{g}")).to_have_text(str(answer["grades"][g]))
    status = page.locator("#status").text_content()
    assert status.startswith(f"汇总完成：{departments}{answer['units']} 个单位，{answer['projects']} 个项目，"
                             f"{len(rejected)} 个文件未采用"), (context, status)
    name, data = downloaded(page, "#summary-download", tmp_path)
    assert (name, data) == (answer["download"]["name"], base64.b64decode(answer["download"]["data"])), (context, name)


def shows_report(page: Page, answer: dict, tmp_path: Path, context: str) -> None:
    expect(page.locator("#report-result")).to_be_visible()
    expect(page.locator("#status")).to_have_text(f"分析报告（草稿）已生成。{answer['roster_note']}")
    name, data = downloaded(page, "#report-download", tmp_path)
    assert (name, data) == (answer["download"]["name"], base64.b64decode(answer["download"]["data"])), (context, name)


def in_chinese(page: Page, answer: dict, context: str, sent: list[str] = ()) -> None:
    """Nothing on the page of a traceback, nor a word in English: Latin letters only in file names (those named in the
    answer and those `sent`, which the page lists), codes and the like."""
    text = page.locator("main").inner_text()
    assert page.locator("#alert").is_hidden(), (context, page.locator("#alert").text_content())
    for word in ("Traceback", "Error", "Exception", 'File "', "None", "undefined", "NaN", "null", "[object"):
        assert word not in text, (context, word, text[:2000])
    names = {f["path"] for f in answer.get("files", [])} | {f["name"] for f in answer.get("annotated", [])} | set(sent)
    names |= {Path(name).name for name in names}  # K003 names a unit's file in a sub-folder by its name alone
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "")
    english = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", text) if not LATIN.match(w)}
    assert not english, (context, english)


# ---------------------------------------------------------------------------------------------------------------
# The property.
# ---------------------------------------------------------------------------------------------------------------

ROUTES = (("/api/check", "#check-button", shows_check), ("/api/consolidate", "#consolidate-button", shows_summary),
          ("/api/report", "#report-button", shows_report))


def choose(rng: random.Random, page: Page, folder: Path, tmp_path: Path) -> tuple[Path, str]:
    """Choose on the page as a user does: the folder, or the workbooks at its top as files, in one go or in batches;
    perhaps all of it once more. The folder the model is to be given for that choice (for files, the top's workbooks
    alone, times kept), and how they were chosen."""
    chosen = [p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(("~$", "."))
              and re.search(r"\.(xls[xm]?|xlt[xm]?|ett?)$", p.name, re.I)]
    times = rng.choice((1, 1, 2))
    if rng.random() < 0.5 or not chosen:
        for _ in range(times):
            page.set_input_files("#folder", str(folder))
        return folder, f"the folder {times}×"
    only = tmp_path / "chosen" / folder.name
    only.mkdir(parents=True)
    for path in chosen:
        shutil.copy2(path, only / path.name)
    batches = rng.randint(1, 3)
    for _ in range(times):
        for i in range(batches):
            if batch := chosen[i::batches]:
                page.set_input_files("#files", [str(p) for p in batch])
    return only, f"the top's workbooks in {batches} batches {times}×"


@pytest.mark.parametrize("seed", seeds(3, 96))
def test_the_page_sends_what_the_model_says_and_shows_what_the_api_answers(open_page, xlmon_server, tmp_path, seed):
    rng = random.Random(seed)
    box = inbox(rng, tmp_path / "in")
    page = open_page(xlmon_server().url)
    page.add_init_script(WATCH_FETCH)
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    roster = box.roster if box.roster and rng.random() < 0.4 else None
    first = rng.random() < 0.3  # the roster chosen in its field before the units' files
    if roster is not None and first:
        page.set_input_files("#roster", str(roster))
    folder, way = choose(rng, page, box.folder, tmp_path)
    if roster is not None and not first:
        page.set_input_files("#roster", str(roster))
    context = f"seed {seed}, {way}, roster field {roster and roster.name}"
    for route, button, shows in rng.sample(ROUTES, len(ROUTES)):
        with page.expect_request(lambda r: r.url.endswith(route) and r.method == "POST") as info:
            page.click(button)
        request = info.value
        assert page.evaluate("window.xlmonSent.at(-1).url").endswith(route), context
        files, fields = body(posted(page))
        their_files, their_fields = body(described(modelled(route, folder, roster)))
        assert [f[0] for f in files] == [f[0] for f in their_files], (context, route, "names", files, their_files)
        assert files == their_files, (context, route, "bytes or times", set(files) ^ set(their_files))
        assert fields == their_fields, (context, route, "other fields", fields, their_fields)
        response = request.response()
        answer = response.json()
        if response.status != 200:  # nothing to check or summarise (a damaged workbook chosen alone): said so
            assert response.status in (400, 422) and re.search(r"[\u4e00-\u9fff]", answer["detail"]), (context, answer)
            expect(page.locator("#alert")).to_have_text(answer["detail"])
            expect(page.locator(button)).to_be_enabled()
            continue
        shows(page, answer, tmp_path / route.rsplit("/", 1)[1], context)
        in_chinese(page, answer, context, [f[0] for f in files])
