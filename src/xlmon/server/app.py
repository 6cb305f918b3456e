"""`xlmon serve`: the xlwings Server endpoint for the add-in, its manifest and pages, and the web page.

Routes
    POST /xlwings/custom-scripts-call/{script}   the ribbon buttons (Office.js and VBA RunServerPython)
    GET  /xlwings/custom-scripts-meta.json       what the Office.js client asks for on load
    GET  /xlwings/alert                          the dialog the Office.js client opens for alerts
    GET  /manifest.xml, /taskpane.html, /commands.html, /icons/…   the Office add-in
    GET  /                                       the upload page (any browser, no add-in)
    POST /api/check, /api/consolidate            what the page and the task pane call
    GET  /api/info                               limits and whether a token is needed

Uploads live in a private temporary folder for the duration of one request; a client's file
name is only ever shown, never used as a path. Every bad request gets a 4xx with a Chinese reason
and the server goes on serving.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import html
import importlib.util
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__, entry_points
from ..profile import Profile, funding_legend, load_profile
from . import scripts
from .icons import ICON_NAMES, ICON_SIZES, icon_png
from .manifest import BUTTONS, build_manifest

PAGES = Path(__file__).with_name("static")
# kept on the stored file: a roster is read by its suffix, and an .xlsb, an .ods or an archive (which the page sends
# from a chosen folder) is refused for what its suffix says, as the command line refuses it in that folder
SAFE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".xltx", ".xltm", ".xlt", ".ett", ".csv", ".txt", ".zip",
                 ".xlsb", ".ods", ".rar", ".7z")


def _env(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        raise SystemExit(f"xlmon: 环境变量 {name} 应为数字，而不是“{value}”。") from None


@dataclass(frozen=True)
class Settings:
    """Server settings; the limits can be changed with XLMON_MAX_FILE_MB, XLMON_MAX_FILES,
    XLMON_MAX_TOTAL_MB and XLMON_MAX_PAYLOAD_MB."""

    public_url: str | None = None  # the https address Excel reaches the server at (manifest URLs)
    token: str | None = field(default_factory=lambda: os.environ.get("XLMON_TOKEN") or None)
    max_file_mb: float = field(default_factory=lambda: _env("XLMON_MAX_FILE_MB", 20))
    max_files: int = field(default_factory=lambda: int(_env("XLMON_MAX_FILES", 300)))
    max_total_mb: float = field(default_factory=lambda: _env("XLMON_MAX_TOTAL_MB", 200))
    max_payload_mb: float = field(default_factory=lambda: _env("XLMON_MAX_PAYLOAD_MB", 50))
    profile: Profile = field(default_factory=load_profile)  # xlmon serve --profile: the page's and the ribbon's


def officejs_static() -> Path:
    """xlwings Server's Office.js client, served from the installed package, not copied."""
    spec = importlib.util.find_spec("xlwings_server")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("未安装 xlwings-server 包：pip install 'xlmon[server]'")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="xlmon", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.mount("/xlwings-static", StaticFiles(directory=officejs_static()), name="xlwings-static")
    app.mount("/static", StaticFiles(directory=PAGES), name="static")

    def base_url(request: Request) -> str:
        return (settings.public_url or str(request.base_url)).rstrip("/")

    def authorise(request: Request) -> None:
        if not settings.token:
            return
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), settings.token.encode()):
            raise HTTPException(401, "未授权：请在设置中填写正确的访问令牌（XLMON_TOKEN）。")

    def limit_body(request: Request, megabytes: float) -> None:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > megabytes * 2**20:
            raise HTTPException(413, f"上传内容过大：超过 {megabytes:g} MB 的上限。")

    # ------------------------------------------------------------------ xlwings Server protocol

    @app.post("/xlwings/custom-scripts-call/{script_name}")
    async def custom_scripts_call(script_name: str, request: Request):
        authorise(request)
        limit_body(request, settings.max_payload_mb)
        if script_name not in SCRIPT_NAMES:
            raise HTTPException(404, f"没有名为“{script_name}”的功能。")
        try:
            payload = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise HTTPException(400, "请求内容不是有效的 JSON：请从 Excel 加载项中调用。") from None
        problem = payload_problem(payload)
        if problem:
            raise HTTPException(400, problem)
        try:
            return await run_in_threadpool(run_script, script_name, payload, settings.profile)
        except PayloadError as exc:
            raise HTTPException(400, str(exc)) from None

    @app.get("/xlwings/custom-scripts-meta.json")
    async def custom_scripts_meta():
        from xlwings.server import custom_scripts_meta as meta

        return meta(scripts)

    @app.get("/xlwings/alert", response_class=HTMLResponse)
    async def alert(prompt: str = "", title: str = "", buttons: str = "ok", mode: str = "", callback: str = ""):
        return page("alert.html", prompt=html.escape(prompt).replace("\n", "<br>"), title=html.escape(title),
                    callback=html.escape(callback))

    # ------------------------------------------------------------------ the add-in

    @app.get("/manifest.xml")
    async def manifest(request: Request):
        base = base_url(request)
        try:
            xml = build_manifest(base)
        except ValueError:
            raise HTTPException(409, f"无法生成加载项清单：Excel 只从 HTTPS 地址加载加载项（本机 localhost 除外），"
                                     f"当前地址是 {base}。请用 --certfile/--keyfile 启动，"
                                     "或用 --public-url 指定 https 地址。") from None
        return Response(xml, media_type="application/xml")

    @app.get("/taskpane.html", response_class=HTMLResponse)
    async def taskpane():
        return page("taskpane.html")

    @app.get("/commands.html", response_class=HTMLResponse)
    async def commands():
        return page("commands.html")

    @app.get("/icons/{name}-{size}.png")
    async def icon(name: str, size: int):
        if name not in ICON_NAMES or size not in ICON_SIZES:
            raise HTTPException(404, "没有这个图标。")
        return Response(icon_png(name, size), media_type="image/png",
                        headers={"Cache-Control": "public, max-age=86400"})

    # ------------------------------------------------------------------ the web page

    @app.get("/", response_class=HTMLResponse)
    async def index():
        return page("index.html")

    @app.get("/api/info")
    async def info():
        return {"version": __version__, "token_required": bool(settings.token),
                "limits": {"max_file_mb": settings.max_file_mb, "max_files": settings.max_files,
                           "max_total_mb": settings.max_total_mb},
                "buttons": [b.label for b in BUTTONS], "rules": funding_legend(settings.profile)}

    @app.post("/api/check")
    async def api_check(request: Request):
        authorise(request)
        upload = uploads(request, settings)
        async with upload as files:
            return await run_in_threadpool(check_uploads, files, upload.folder, settings.profile)

    @app.post("/api/consolidate")
    async def api_consolidate(request: Request):
        authorise(request)
        upload = uploads(request, settings, extra=("roster", "overall_from"))
        async with upload as files:
            return await run_in_threadpool(consolidate_uploads, files, upload.extra.get("roster"),
                                           upload.extra.get("overall_from"), upload.dated, profile=settings.profile,
                                           others=upload.others)

    @app.post("/api/report")
    async def api_report(request: Request):
        authorise(request)
        upload = uploads(request, settings, extra=("roster",))
        async with upload as files:
            return await run_in_threadpool(report_uploads, files, upload.folder, upload.extra.get("roster"),
                                           profile=settings.profile, others=upload.others, dated=upload.dated)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc, HTTPException) else STATUS_ZH.get(exc.status_code, exc.detail)
        return JSONResponse({"detail": detail}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):  # Starlette still logs the traceback
        return JSONResponse({"detail": f"xlmon 服务器处理时出错（{type(exc).__name__}），未完成本次操作；"
                                       "详细信息已记入服务器日志，请告知技术支持。"}, status_code=500)

    return app


SCRIPT_NAMES = set(entry_points.BUTTONS)
STATUS_ZH = {404: "没有这个地址。", 405: "不支持这种请求方式。"}


class PayloadError(ValueError):
    """The payload is well-formed JSON but not a workbook the scripts can work on."""


def payload_problem(payload) -> str | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("sheets"), list) \
            or not isinstance(payload.get("book"), dict):
        return "请求内容不是 xlwings 加载项发送的工作簿数据（缺少 book 或 sheets）。"
    if not payload["sheets"]:
        return "工作簿数据中没有工作表。"
    for sheet in payload["sheets"]:
        if not isinstance(sheet, dict) or not isinstance(sheet.get("name"), str) \
                or not isinstance(sheet.get("values"), list) \
                or not all(isinstance(row, list) for row in sheet["values"]):
            return "工作簿数据格式不正确：每张工作表应有名称和按行排列的单元格值。"
    return None


def run_script(name: str, payload: dict, profile: Profile) -> dict:
    """One button press: the payload as xlwings' remote Book, the script (given the book and the server's rule
    profile by their type hints, as xlwings Server injects them), the Book's actions."""
    import xlwings as xw
    from xlwings.server import custom_scripts_call

    payload.setdefault("names", [])
    for sheet in payload["sheets"]:
        sheet.setdefault("pictures", [])
        sheet.setdefault("tables", [])
    try:
        book = xw.Book(json=payload)
    except Exception as exc:  # xlwings refuses a payload of another version or shape
        raise PayloadError(f"无法读取工作簿数据：{exc}") from None
    with book:
        asyncio.run(custom_scripts_call(scripts, name,
                                        typehint_to_value={xw.Book: book, Profile: profile}))
        return book.json()


def page(name: str, **values: str) -> str:
    """One of our pages with its {{ placeholders }} filled; every value is escaped by the caller.

    `{{ officejs_client }}` stands for xlwings Server's client with its config, in the order it
    must load (officejs-client.html), shared by the task pane and the function file."""
    text = (PAGES / name).read_text("utf-8")
    if "{{ officejs_client }}" in text:
        text = text.replace("{{ officejs_client }}", (PAGES / "officejs-client.html").read_text("utf-8").rstrip("\n"))
        values.setdefault("config", officejs_config())
    values.setdefault("officejs", officejs_url())
    values.setdefault("buttons", html.escape(json.dumps(
        [{"label": b.label, "script": b.script, "function": b.function} for b in BUTTONS],
        ensure_ascii=False), quote=False))
    for key, value in values.items():
        text = text.replace("{{ " + key + " }}", value)
    return text


def officejs_url() -> str:
    """The office.js bundled with xlwings Server (its folder is named for the Office.js version)."""
    found = sorted(officejs_static().glob("vendor/office-js/*/dist/office.js"))
    if not found:
        raise RuntimeError("xlwings-server 包中没有 office.js")
    return "/xlwings-static/" + found[-1].relative_to(officejs_static()).as_posix()


def officejs_config() -> str:
    """The JSON config xlwings Server's client reads from <script id="config">."""
    import xlwings

    config = {"appPath": "", "authProviders": [], "customFunctionsMaxRetries": 0,
              "customFunctionsRetryCodes": [], "environment": "prod", "isOfficialLiteAddin": False,
              "pyodideBaseUrl": "", "taskpaneReloadAttempts": 2, "onWasm": False,
              "requestTimeout": 300, "xlwingsVersion": xlwings.__version__}
    return html.escape(json.dumps(config), quote=False)


# ---------------------------------------------------------------------------------- uploads

class uploads:
    """The request's files saved under a private temporary folder, deleted on exit.

    The chosen files are stored in its folder UPLOADED under the names the user gave them, so that a summary
    or report made of them names and links them so (a name given twice gets （2）; one that cannot be a file
    name is stored as 文件N.xlsx); files the page sends with their folders (一科/监控表.xlsx) are stored in
    those folders, at most two deep. A field named in `extra` (汇总's roster, its earlier summary) may carry one
    more file each, stored under its own name in a folder of the field's name beside that folder (roster/,
    overall_from/) and kept in self.extra. The chosen files are given in their folder's order (their paths in it,
    sorted as `xlmon` sorts a folder's files)."""

    def __init__(self, request: Request, settings: Settings, extra: tuple[str, ...] = ()):
        self.request, self.settings, self.fields = request, settings, extra
        self.folder: Path | None = None
        self.extra: dict[str, tuple[str, Path]] = {}
        self.total = 0  # bytes saved so far
        self.dated = False  # whether the files carry the times they were last modified on the user's machine
        self.others: list[tuple[str, Path]] = []  # the chosen folder's files no workbook, not sent (_other_names)

    async def __aenter__(self) -> list[tuple[str, Path]]:
        s = self.settings
        total_limit = s.max_total_mb * 2**20
        length = self.request.headers.get("content-length")
        if length and length.isdigit() and int(length) > total_limit + 2**20:
            raise HTTPException(413, f"上传内容过大：一次最多 {s.max_total_mb:g} MB。")
        try:
            form = await self.request.form(max_files=s.max_files + 1 + len(self.fields), max_fields=20)
        except Exception:  # Starlette's own words (Invalid multipart data…) say nothing to a user
            raise HTTPException(400, "无法解析上传内容：请用 xlmon 网页或加载项上传 .xlsx 文件。") from None
        try:  # the form's files closed whatever is refused, as on a good upload
            items = [f for f in form.getlist("files") if hasattr(f, "filename")]
            if not items:
                raise HTTPException(400, "没有收到文件：请选择一个或多个 .xlsx 工作簿。")
            if len(items) > s.max_files:
                raise HTTPException(413, f"文件过多：一次最多 {s.max_files} 个。")
            self.folder = Path(tempfile.mkdtemp(prefix="xlmon-upload-"))
            try:
                return await self._store(form, items)
            except BaseException:  # refused part way (a file over the limit): nothing of the request stays
                shutil.rmtree(self.folder, ignore_errors=True)
                raise
        finally:
            await form.close()

    async def _store(self, form, items) -> list[tuple[str, Path]]:
        """The files saved in self.folder, and the extra fields' beside them."""
        os.chmod(self.folder, 0o700)
        chosen = self.folder / UPLOADED
        chosen.mkdir()
        saved: list[tuple[str, Path]] = []
        taken: set[str] = set()
        for i, item in enumerate(items, start=1):
            display = _display_name(item.filename, f"文件{i}.xlsx")
            name = _stored_name(display, f"文件{i}", taken)  # shown as stored unless that is 文件N
            saved.append(await self._save(item, name if _plain_name(display) else display, chosen / name))
        for name in self.fields:
            item = next((f for f in form.getlist(name) if hasattr(f, "filename") and f.filename), None)
            if item is not None:
                display = _display_name(item.filename, name)  # stored as named, in a folder of the field's name:
                stored = _stored_name(Path(display).name, name, set())  # the new summary names it so
                self.extra[name] = await self._save(item, display, self.folder / name / stored)
        self.dated = _modified([path for _, path in saved], form.get("modified"))
        self.others = [(name, chosen / name) for name in _other_names(form.get("others"))]
        # in the order the command line reads the folder they came from, not as the browser listed them or the user
        # chose them: the summary (its rows, which of two copies counts) is then the folder's, whatever that order
        return sorted(saved, key=lambda f: PurePath(f[0]))

    async def _save(self, item, display: str, path: Path) -> tuple[str, Path]:
        """One uploaded file at path; (display name, path)."""
        s = self.settings
        data = await item.read(int(s.max_file_mb * 2**20) + 1)
        if len(data) > s.max_file_mb * 2**20:
            raise HTTPException(413, f"文件“{display}”超过单个文件 {s.max_file_mb:g} MB 的上限。")
        self.total += len(data)
        if self.total > s.max_total_mb * 2**20:
            raise HTTPException(413, f"上传内容过大：一次最多 {s.max_total_mb:g} MB。")
        path.parent.mkdir(parents=True, exist_ok=True)  # a file chosen with its folder (一科/监控表.xlsx)
        path.write_bytes(data)
        return display, path

    async def __aexit__(self, *exc) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _modified(paths: list[Path], sent: object) -> bool:
    """Give the saved uploads the times they were last modified on the user's machine (the page sends them, in
    the files' order, as a JSON list of milliseconds): of a unit's two copies the later counts, as in a folder.
    Without them every upload gets one time, so that none passes for the later copy by when it was written, and
    False is returned: the time is not the files' own, and no copy in a summary is older than it."""
    listed = _sent_json(sent)
    try:
        times = [float(t) / 1000 for t in listed] if isinstance(listed, list) else []
    except (ValueError, TypeError):
        times = []
    dated = len(times) == len(paths) and all(0 < t < 4e9 for t in times)
    if not dated:
        times = [time.time()] * len(paths)
    for path, t in zip(paths, times):
        os.utime(path, (t, t))
    return dated


def _sent_json(sent: object) -> object:
    """A form field the page fills with JSON (`modified`, `others`), parsed; None for anything else sent there."""
    try:
        return json.loads(sent) if isinstance(sent, str) else None
    except (ValueError, RecursionError):  # RecursionError: a list nested thousands deep
        return None


_OTHERS_MAX = 1000  # names of files no workbook taken from one request; the note names five and counts the rest
_OTHER_NAME_MAX = 1000  # characters of one such name: three parts of a file system's longest


def _other_names(sent: object) -> list[str]:
    """The files no workbook in the chosen folders that the page did not send (a unit's form typed in Word, a PDF),
    by their paths there, as the page sends them: a JSON list of names, never the files. Each is named as an upload
    of that name is (_display_name); names that are no file's a user put there, or none other_files would name
    (a roster, a report sent beside the forms), and anything else sent are left out. Sorted as the uploads are, so
    that the summary lists them as the command line lists the folder's."""
    from ..adapters.files import other_file, put_there

    names = _sent_json(sent)
    if not isinstance(names, list):
        return []
    kept: set[str] = set()
    for name in names[:_OTHERS_MAX]:
        if isinstance(name, str) and len(name) <= _OTHER_NAME_MAX:
            shown = _display_name(name, "")
            if _plain_name(shown) and put_there(PurePath(shown).name) and other_file(shown):
                kept.add(shown)
    return sorted(kept, key=PurePath)


UPLOADED = "上传的文件"  # the chosen files' folder, by which a summary names one at its top beside a namesake in
# one of its folders (上传的文件/监控表.xlsx, 二科/监控表.xlsx), as the command line names the folder given it
_FOLDERS_KEPT = 2  # of a file chosen with its folder: 一科/监控表.xlsx, 教育局/一科/监控表.xlsx


def _display_name(filename: str | None, fallback: str) -> str:
    """The name the user gave a file. The page sends a file chosen with its folder as its path in there
    (一科/监控表.xlsx): its last folders are kept, as the summary tells units' files of one name apart by them.
    Any other path a client sends (absolute, with a drive, through . or ..) gives the name alone."""
    text = (filename or "").replace("\\", "/")
    *folders, name = text.split("/")
    if not name:
        return fallback
    if folders and folders[0] and not re.match(r"[A-Za-z]:$", folders[0]) and all(map(_plain_name, folders)):
        return "/".join([*folders[-_FOLDERS_KEPT:], name])
    return name


_NAME_MAX = 255  # bytes of a stored file's or folder's name, as most file systems allow: a unit's file named for
# every project in it (some 80 characters) is stored, and so named, as the user named it. As 文件N.xlsx the summary
# listed and linked a file the user has not, and knew last time's summary of that folder no more


def _plain_name(name: str) -> bool:
    """A name a file (or, for each of its folders, a folder) can be stored under as it is: not hidden (nor . or
    ..), no control characters, no part of it too long."""
    parts = name.split("/")
    return (bool(name) and not any(part.startswith(".") for part in parts)
            and all(ch >= " " for ch in name) and all(len(part.encode()) <= _NAME_MAX for part in parts))


def _stored_name(display: str, fallback: str, taken: set[str]) -> str:
    """The file name an upload is stored under: its own when that is a plain file name not yet taken (a name
    given twice gets （2）, （3）…), else fallback with the upload's suffix when it is a safe one."""
    name = display if _plain_name(display) else fallback + _safe_suffix(display)
    folder, stem, suffix, n = name[:name.rfind("/") + 1], Path(name).stem, Path(name).suffix, 2
    while name.casefold() in taken:
        numbered = f"{folder}{stem}（{n}）{suffix}"
        name, n = numbered if _plain_name(numbered) else f"{folder}{fallback}{suffix}", n + 1  # no room for （n）
    taken.add(name.casefold())
    return name


def _safe_suffix(name: str) -> str:
    """The suffix a file given under another name keeps: its own when it is one the readers go by, else .xlsx."""
    suffix = Path(name).suffix.lower()
    return suffix if suffix in SAFE_SUFFIXES else ".xlsx"


def shown_names(text: str, files: list[tuple[str, Path]], about: Path | str | None = None) -> str:
    """Messages name the file as the user called it, not as it was stored for the request. A file named in quotes
    by its name alone (“监控表.xlsx”) is the upload of that name; where uploads share it (监控表.xlsx, 一科/监控表.xlsx),
    the one the message is `about` (its stored path), and else the name is left as it is."""
    shared = Counter(path.name for _, path in files)
    for display, path in files:
        text = text.replace(str(path), display)
        if shared[path.name] == 1 or str(path) == str(about):
            text = text.replace(f"“{path.name}”", f"“{display}”")
    return text


def overview_copy(rows: list[list]) -> list[list]:
    """汇总表's values for the task pane's copy of it, which has no chart: the blank rows a chart stands over (above
    the units' table of a department of many) would be a hole there, so the tables follow one another with a blank
    row between, as the sheet has them where there is no chart between."""
    table: list[list] = []
    for row in rows:
        line = ["" if v is None else v for v in row]
        if any(v != "" for v in line) or table and any(v != "" for v in table[-1]):
            table.append(line)
    return table


def table_formats(table: list[list]) -> list[list[str]]:
    """The number formats of 汇总表's cells as the summary shows them, for the task pane's copy of it: amounts
    #,##0.00, rates 0.00%, gaps in points 0.00, by the header of the table a row stands under."""
    formats, header = [], []
    for row in table:
        if row and row[0] in ("资金来源", "主管部门", "单位"):
            header = [str(h) for h in row]
        formats.append([_format(header[c] if c < len(header) else "", v) for c, v in enumerate(row)])
    return formats


def _format(header: str, value: object) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not header:
        return "General"
    if "进度差" in header:
        return "0.00"
    return "0.00%" if header.endswith(("率", "进度")) else "#,##0.00"


def check_uploads(files: list[tuple[str, Path]], work: Path, profile: Profile) -> dict:
    """校验 of the uploads; `work`: the request's folder, where the marked copies are made beside the uploads."""
    from ..adapters.workbook_marks import annotate_file, copy_suffix
    from ..check import check_paths
    from ..marks import plan_marks
    from ..output import results_json

    files = unit_uploads(files)
    records, annotated, unmarked = [], [], []
    marked = work / "annotated"
    marked.mkdir(exist_ok=True)
    # together, as a folder's files: a zip unpacked beside its workbooks is the note F015, as `xlmon check` says
    for (display, path), result in zip(files, check_paths([path for _, path in files], profile)):
        for d in result.diagnostics:
            d.file = display
            d.message = shown_names(d.message, files, about=path)
        result.path = display
        records += results_json([result])["files"]
        if result.status != "unreadable":
            out = marked / f"{len(annotated)}{copy_suffix(path)}"  # not among the uploads, whatever their names
            try:
                annotate_file(path, out, plan_marks(result.forms, result.diagnostics, profile.colours()))
            except OSError as exc:  # the server's own folder: its disk full
                unmarked.append(f"{display}：{unsaved('标注副本', exc)}")
                continue
            except ValueError as exc:
                reason = shown_names(str(exc), files, about=path)
                unmarked.append(reason if display in reason else f"{display}：{reason}")
                continue
            shown = str(Path(display).with_suffix("")).replace("/", "_")  # 一科/监控表.xlsx → 一科_监控表_校验.xlsx
            annotated.append({"name": f"{shown}_校验{copy_suffix(path)}",
                              "data": base64.b64encode(out.read_bytes()).decode()})
    if all(r["status"] == "unreadable" for r in records):
        reasons = "；".join(f"{r['path']}：{r['diagnostics'][0]['message']}" for r in records if r["diagnostics"])
        raise HTTPException(422, f"上传的文件都无法读取：{reasons}")
    return {"files": records, "annotated": annotated, "unmarked": unmarked}


def unsaved(what: str, exc: OSError) -> str:
    """Why the server could not write an output in its own folder, for the page: nothing a user can change."""
    from ..file_errors import os_reason

    return f"服务器无法保存{what}（{os_reason(exc)}），请告知服务器管理员。"


def unit_uploads(files: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """The uploads to check: the roster sent with a folder's files (the one …名单… at its top holding no form, as 汇总
    takes it) is no unit's form, and was an error (F007) in every 校验 of the folder, as `xlmon check` skips it in
    one; sent alone, it is checked."""
    if len(files) < 2:
        return files
    roster = _top_roster(files)[0]
    return [f for f in files if f != roster]


def _top_roster(files: list[tuple[str, Path]]) -> tuple[tuple[str, Path] | None, str]:
    """pick_roster of the uploads at the top of the chosen folder: a 科's list of its units in its sub-folder is not
    the department's, as folder_roster does not look below."""
    from ..consolidate.roster import pick_roster

    return pick_roster([f for f in files if "/" not in f[0]])


def consolidate_uploads(files: list[tuple[str, Path]], roster_upload: tuple[str, Path] | None = None,
                        earlier: tuple[str, Path] | None = None, dated: bool = False, *, profile: Profile,
                        others: list[tuple[str, Path]] = ()) -> dict:
    """汇总 of the uploads, checked against the roster among them (upload_roster). `earlier`: the department's
    earlier summary, whose completed 部门整体 is carried into the new one (--overall-from); a 422 when it holds none.
    `dated`: the files carry their own modification times (uploads._modified). `others`: the chosen folder's files
    no workbook, not sent (uploads.others), named in the summary as if they were among the uploads."""
    from python_calamine import CalamineWorkbook

    from ..atomic import free_name
    from ..consolidate.extract import NotCompleted
    from ..consolidate.run import consolidate, duplicates_note, summary_json
    from ..consolidate.said import roster_checked, summary_said
    from ..file_errors import others_note, readable

    folder = Path(os.path.commonpath([path.parent for _, path in files]))  # files chosen with folders sit in theirs
    everything = [*files, *([roster_upload] if roster_upload else []), *([earlier] if earlier else [])]
    files, roster_upload, roster, note = upload_roster(files, roster_upload, everything, "汇总")
    output = free_name(folder / "部门汇总.xlsx")  # beside the files, which its 来源文件 links then name as they are
    try:
        summary = consolidate([p for _, p in files], output, workers=1, roster=roster, profile=profile,
                              carry_from=earlier[1] if earlier else None, chosen_together=True, dated=dated,
                              others=[str(p) for _, p in others])
    except NotCompleted as exc:
        raise HTTPException(422, shown_names(f"上次的部门汇总：{exc}", everything, about=earlier[1])) from None
    except OSError as exc:
        raise HTTPException(500, unsaved("汇总表", exc)) from None
    everything.append((output.name, output))
    names = {str(path): display for display, path in [*everything, *others]}
    result = summary_json(summary, output)
    result["other_files"] = [names.get(path, Path(path).name) for path in result["other_files"]]
    result["others_note"] = others_note(result["other_files"])  # as the command line says it below the summary
    result["duplicates_note"] = duplicates_note(summary)  # the page shows it as it is: one writer of the sentence
    if result["carried"]:
        result["carried"]["from"] = names[result["carried"]["from"]]
    result["roster"] = {"name": roster_upload[0], "units": len(roster), "listed": summary.listed} if roster else None
    result["roster_note"] = note
    for record in result["files"]:
        if record["reason"]:
            record["reason"] = shown_names(record["reason"], everything, about=record["path"])
        record["path"] = names.get(record["path"], Path(record["path"]).name)
    for d in result["diagnostics"]:  # one carried up in a summary names a file of another machine: by its name
        d["message"] = shown_names(d["message"] or "", everything, about=d.get("file"))
        d["file"] = names.get(d.get("file") or "", d.get("file") and readable(Path(d["file"]).name))
    if not result["output"]:
        reasons = "；".join(f"{f['path']}：{f['reason']}" for f in result["files"] if f["reason"])
        raise HTTPException(422, f"没有可汇总的绩效运行监控表。{reasons}")
    roster_said = roster_checked(summary, roster_upload[0]) if roster else note or ROSTER_HINT
    result["status"] = summary_said(  # the task pane's status line, as the add-in's alert says it (entry_points)
        summary, f"汇总表已下载为 {output.name}", roster_said, _said_names(summary, names),
        lambda text, about: shown_names(text, everything, about=about))
    result["output"] = output.name
    data = output.read_bytes()
    table = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("汇总表")
    result["table"] = overview_copy(table.to_python())
    result["table_formats"] = table_formats(result["table"])
    result["download"] = {"name": output.name, "data": base64.b64encode(data).decode()}
    return result


ROSTER_HINT = "提示：同时选择一个文件名含“名单”的 .xlsx 或 .csv 单位名单，即可列出未报送的单位。"  # none among them


def _said_names(summary, names: dict[str, str]) -> dict[str, str]:
    """The uploads as the add-in's alert names a folder's files (aggregate.shown_names: by its name, or with as
    many of its folders as tell it from another of that name), by what the user called them, not where they were
    stored; `names`: each stored path's name in the chosen folder."""
    from ..consolidate.aggregate import shown_names as short_names

    chosen = {f.path: names.get(f.path, Path(f.path).name) for f in summary.files}
    short = short_names(chosen.values())
    return {**names, **{path: short[name] for path, name in chosen.items()}}


def upload_roster(files: list[tuple[str, Path]], roster_upload: tuple[str, Path] | None,
                  everything: list[tuple[str, Path]], what: str):
    """The units' files and the roster among the uploads: the file sent as such or, as in a department head's folder,
    the one upload at the top of the chosen folder named …名单… that holds no form (_top_roster); one that cannot be
    read is a 422 when it was sent as the roster, and a note when it was only found among the files. A …名单 .csv/.txt
    is no unit's file, as a folder's is not. (files, the roster's upload, its names, the note)."""
    from ..adapters.files import text_roster
    from ..consolidate.roster import found_roster, read_roster

    note, sent = "", roster_upload is not None
    if not sent:
        roster_upload, note = _top_roster(files)
        note = f"上传的文件中{note}" if note else ""
    roster = None
    files = [f for f in files if not text_roster(f[0])]
    if roster_upload is not None:
        files = [f for f in files if f[1] != roster_upload[1] and not (sent and _same_bytes(f[1], roster_upload[1]))]
        if sent:
            try:
                roster = read_roster(roster_upload[1])
            except ValueError as exc:
                raise HTTPException(422, shown_names(str(exc), everything)) from None
        else:
            roster, note = found_roster(roster_upload[1])
            note = shown_names(note, everything)
    if not files:
        raise HTTPException(400, f"只收到单位名单，没有收到要{what}的工作簿。")
    return files, roster_upload, roster, note


def _same_bytes(a: Path, b: Path) -> bool:
    """Whether two uploads are one file sent twice: a roster .xlsx chosen in its field is sent with the folder's
    workbooks as well, and is no unit's file there, as --roster's file in an input folder is not."""
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def report_for_upload_name(files: list[tuple[str, Path]]) -> str:
    if len(files) == 1:
        return f"{Path(files[0][0]).stem}_分析报告.docx"
    return "部门绩效监控分析报告.docx"


def report_uploads(files: list[tuple[str, Path]], work: Path, roster_upload: tuple[str, Path] | None = None, *,
                   profile: Profile, others: list[tuple[str, Path]] = (), dated: bool = False) -> dict:
    """The report on the uploads; the roster as 汇总 takes it (upload_roster), so that it names who did not report,
    and the chosen folder's files no workbook as 汇总 takes them (uploads.others), so that a unit that sent one is
    not said to have sent nothing; `dated`: the files carry their own times (uploads._modified), by which the latest
    of two completed summaries among them is carried, as 汇总 carries it."""
    from ..report import NothingToReport, report_for_paths, write_docx

    everything = [*files, *([roster_upload] if roster_upload else [])]
    files, roster_upload, roster, note = upload_roster(files, roster_upload, everything, "生成报告")
    try:
        drafted = report_for_paths([p for _, p in files], profile, roster=roster, chosen_together=True,
                                   others=[str(p) for _, p in others], dated=dated)
    except NothingToReport as exc:  # each file as the user named it, not as it was stored (文件1.xlsx, 上传的文件/…)
        names = {str(path): display for display, path in files}
        why = "；".join(f"{names.get(path, Path(path).name)}：{shown_names(reason, files, about=path)}"
                       for path, reason in exc.files) or str(exc)
        raise HTTPException(422, f"上传的文件中没有可用的绩效运行监控表，未生成分析报告。{why}。") from None
    out = work / "report.docx"
    try:
        write_docx(drafted, out)
    except OSError as exc:
        raise HTTPException(500, unsaved("分析报告", exc)) from None
    name = report_for_upload_name(files)
    return {"title": getattr(drafted, "title", name), "roster_note": note,
            "download": {"name": name, "data": base64.b64encode(out.read_bytes()).decode()}}
