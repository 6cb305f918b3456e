"""Many staff at once get each what they would get alone: one real `xlmon serve`, several departments' staff sending
their folders to 校验, 汇总 and 生成报告 on the page (the roster or last time's summary perhaps chosen in its field)
and pressing the add-in's buttons (校验, 计算, 清除标记 after 校验, 汇总, 生成报告) in their workbooks and summaries at
the same moment, one request sent twice at once, requests that fail among them (a damaged upload, a file over the
server's limit after a good one, a button's data cut short), and one of the page's requests sent by somebody who
closes the page before it answers. Each answer is the one the same request got alone; none names another
department's unit or file; every failure is a Chinese 4xx, and the good requests beside it do not notice; once all
have answered (and the work given up on has ended), nothing of theirs is left in the server's temporary folder (each
request's uploads are kept in a folder of their own there, app.uploads), the server logged no traceback and it still
answers /api/info.

The departments are test_front_ends_consolidate_properties' inboxes (units' files in sub-folders, a damaged file, a
copy, a correction, last time's summary, the roster, a zip, a lock file…), each of a city of its own (甲市第一中学,
乙市第一中学…): another department's city named in an answer is cross-talk, as is another's file by its sha256.

What may differ, and why:
- the time a workbook or report says it was written (docProps/core.xml of the marked copies, the summary and the
  report): the server stamps it as it writes, so two requests a second apart differ there and nowhere else;
- where the summary was made (its hidden records keep each unit's file by its path, for run.skip_own_summaries):
  every request's uploads are kept in a temporary folder of its own, compared as <upload>.
Each case is seeded; a failure names its seed and the request. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import random
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest

import test_consolidate_properties as generator
from payloads import actions_of, apply_actions, payload_from_file
from seeded import seeds
from test_check_front_ends_properties import sent_for_check
from test_front_ends_consolidate_properties import SUMMARY, Inbox, inbox, page_upload
from xlmon import entry_points as ep
from xlmon.consolidate.run import consolidate

pytest_plugins = ("server_process",)

SALT = 99
CITIES = ("甲市", "乙市", "丙市", "丁市", "戊市", "己市")  # one a department
MAX_FILE_MB = 1  # the server's limit, low enough that a file over it is cheap to send
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TIMEOUT = 300
TIME_STAMPED = "docProps/core.xml"
GIVEN_UP = 0.05  # seconds a client who closes the page waits: it leaves while its upload is being worked on


@pytest.fixture(scope="module")
def server(xlmon_server, tmp_path_factory):
    """A server of this module's own, with a temporary folder of its own: whatever a request leaves there shows."""
    temp = tmp_path_factory.mktemp("server-temp")
    return xlmon_server(TMPDIR=str(temp), XLMON_MAX_FILE_MB=str(MAX_FILE_MB)), temp


# ---------------------------------------------------------------------------------------------------------------
# The departments and what their staff send.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Office:
    city: str
    box: Inbox
    summary: Path  # the summary the department keeps of its folder, where the add-in's 汇总 button is pressed
    marks: set[str] = field(default_factory=set)  # what only this department's answers may say


def office(rng: random.Random, root: Path, city: str) -> Office:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generator, "UNIT_NAMES", tuple(n.replace("某市", city, 1) for n in generator.UNIT_NAMES))
        box = inbox(rng, root / city)
    summary = root / f"{city}汇总" / SUMMARY
    summary.parent.mkdir()
    consolidate([box.folder], summary)
    marks = {city} | {hashlib.sha256(p.read_bytes()).hexdigest() for p in box.workbooks}
    return Office(city, box, summary, marks)


@dataclass
class Call:
    what: str  # for a failure's message: the department and what was pressed
    office: Office | None
    route: str
    send: dict  # httpx2's keywords
    fails: bool = False


def calls(rng: random.Random, offices: list[Office]) -> list[Call]:
    """Each department's staff at the page and the buttons, a random mix with every kind among them."""
    kinds = ("校验", "汇总", "生成报告", "validate", "calculate", "clear_marks", "consolidate", "report")
    chosen = [[k for k in kinds if rng.random() < 0.5] for _ in offices]
    for kind in kinds:
        if not any(kind in c for c in chosen):
            rng.choice(chosen).append(kind)
    out = [call(rng, o, kind) for o, kinds_of in zip(offices, chosen) for kind in kinds_of]
    return out + failures(rng, offices)


def call(rng: random.Random, o: Office, kind: str) -> Call:
    box = o.box
    what = f"{o.city} {kind}"
    if kind == "校验":
        files = [("files", (name, path.read_bytes())) for name, path in sent_for_check(box.folder)]
        modified = json.dumps([int(path.stat().st_mtime * 1000) for _, path in sent_for_check(box.folder)])
        return Call(what, o, "/api/check", {"files": files, "data": {"modified": modified}})
    if kind in ("汇总", "生成报告"):
        roster = box.roster if box.roster and rng.random() < 0.3 else None
        files, data = page_upload(box.folder, roster)
        if kind == "汇总" and box.completed and rng.random() < 0.5:  # its 部门整体 carried, chosen in its field
            files.append(("overall_from", (box.earlier.name, box.earlier.read_bytes())))
        route = "/api/consolidate" if kind == "汇总" else "/api/report"
        return Call(what, o, route, {"files": files, "data": data})
    book = o.summary if kind in ("consolidate", "report") or rng.random() < 0.2 else rng.choice(box.workbooks)
    client = rng.choice(("VBA", "Office.js"))
    payload = payload_from_file(book, client)
    if kind == "clear_marks":  # pressed after 校验 in the same book
        payload = apply_actions(payload, actions_of(payload, ep.validate)[0])
        del payload["fills"], payload["formulas"]
    if kind == "calculate":  # a few amounts, rates or totals cleared, for 计算 to make again
        numbers = [(row, c) for sheet in payload["sheets"] for row in sheet["values"]
                   for c, v in enumerate(row) if isinstance(v, (int, float)) and not isinstance(v, bool)]
        for row, c in rng.sample(numbers, min(3, len(numbers))):
            row[c] = None
    return Call(f"{what} ({book.name}, {client})", o, f"/xlwings/custom-scripts-call/{kind}", {"json": payload})


def failures(rng: random.Random, offices: list[Office]) -> list[Call]:
    """A damaged upload, a file over the server's limit after a good one, a button's data cut short."""
    o = rng.choice(offices)
    good = rng.choice(o.box.workbooks)
    data = good.read_bytes()
    damaged = data[:rng.randint(100, len(data) // 2)]
    route = rng.choice(("/api/check", "/api/consolidate", "/api/report"))
    out = [Call(f"{o.city} 损坏的文件 ({route})", o, route,
                {"files": [("files", (f"{o.city}损坏的报表.xlsx", damaged))]}, fails=True)]
    o = rng.choice(offices)
    good = rng.choice(o.box.workbooks)
    route = rng.choice(("/api/check", "/api/consolidate", "/api/report"))
    big = rng.randbytes(MAX_FILE_MB * 2**20 + rng.randint(1, 2**16))
    out.append(Call(f"{o.city} 过大的文件 ({route})", o, route,
                    {"files": [("files", (good.name, good.read_bytes())), ("files", (f"{o.city}大文件.xlsx", big))]},
                    fails=True))
    script = rng.choice(("validate", "calculate", "consolidate"))
    text = json.dumps(payload_from_file(rng.choice(offices).box.workbooks[0]))
    out.append(Call(f"JSON 不完整 ({script})", None, f"/xlwings/custom-scripts-call/{script}",
                    {"content": text[:rng.randint(1, len(text) - 1)].encode(),
                     "headers": {"Content-Type": "application/json"}}, fails=True))
    return out


# ---------------------------------------------------------------------------------------------------------------
# The answers.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    body: object  # the JSON, each file in it as its parts (parts())
    text: str  # everything it says, files' parts included, for cross-talk


def answer(response: httpx2.Response, temp: Path) -> Answer:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    texts = [response.text]

    def files(value):
        if isinstance(value, dict):
            if isinstance(value.get("data"), str) and isinstance(value.get("name"), str):
                contents = parts(base64.b64decode(value["data"]), temp)
                texts.extend(contents.values())
                return {**value, "data": {name: hashlib.sha256(t.encode()).hexdigest() for name, t in contents.items()}}
            return {k: files(v) for k, v in value.items()}
        if isinstance(value, list):
            return [files(v) for v in value]
        return value

    return Answer(response.status_code, files(body), "\n".join(texts))


def parts(data: bytes, temp: Path) -> dict[str, str]:
    """An .xlsx's or .docx's parts, but the time it was written, its upload folders as <upload>."""
    upload = re.compile(re.escape(str(temp)) + r"/xlmon-upload-[^/]+/")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: upload.sub("<upload>/", archive.read(name).decode("utf-8", errors="replace"))
                for name in archive.namelist() if name != TIME_STAMPED}


def differences(alone, together, at: str = "") -> list[str]:
    if isinstance(alone, dict) and isinstance(together, dict):
        return [d for k in sorted(alone.keys() | together.keys(), key=str)
                for d in differences(alone.get(k), together.get(k), f"{at}/{k}")]
    if isinstance(alone, list) and isinstance(together, list) and len(alone) == len(together):
        return [d for i, (a, b) in enumerate(zip(alone, together)) for d in differences(a, b, f"{at}[{i}]")]
    return [] if alone == together else [f"{at}: {str(alone)[:300]} ≠ {str(together)[:300]}"]


def leftovers(temp: Path) -> list[str]:
    return sorted(str(p.relative_to(temp)) for p in temp.rglob("*"))


async def send_all(url: str, calls: list[Call], leaving: list[Call] = ()) -> list[httpx2.Response]:
    """Each call's answer; `leaving`: sent as well by staff who close the page before it answers."""
    async def leave(client: httpx2.AsyncClient, c: Call) -> None:
        try:
            await client.post(c.route, **c.send, timeout=GIVEN_UP)
        except httpx2.TimeoutException:
            pass

    async with httpx2.AsyncClient(base_url=url, timeout=TIMEOUT, limits=httpx2.Limits(max_connections=None)) as client:
        answered = asyncio.gather(*(client.post(c.route, **c.send) for c in calls))
        await asyncio.gather(*(leave(client, c) for c in leaving))
        return await answered


def cleared(temp: Path, wait: float = 60) -> list[str]:
    """What is left in the server's temporary folder once work a client gave up on has had time to end."""
    deadline = time.monotonic() + wait
    while leftovers(temp) and time.monotonic() < deadline:
        time.sleep(0.2)
    return leftovers(temp)


# ---------------------------------------------------------------------------------------------------------------
# The property.
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", seeds(3, SALT))
def test_many_staff_at_once_get_each_what_they_would_get_alone(tmp_path, server, seed):
    server, temp = server
    rng = random.Random(seed)
    offices = [office(rng, tmp_path, city) for city in rng.sample(CITIES, rng.randint(3, 6))]
    todo = calls(rng, offices)

    alone: dict[int, Answer] = {}
    for i, c in enumerate(todo):
        [response] = asyncio.run(send_all(server.url, [c]))
        alone[i] = answer(response, temp)
        assert not leftovers(temp), f"seed {seed}: {c.what} left {leftovers(temp)} in the server's temporary folder"

    together = [*range(len(todo)), rng.choice([i for i, c in enumerate(todo) if not c.fails])]
    rng.shuffle(together)
    leaving = rng.sample([c for c in todo if c.route.startswith("/api/") and not c.fails], 1)
    responses = asyncio.run(send_all(server.url, [todo[i] for i in together], leaving))
    assert not cleared(temp), (f"seed {seed}: left {leftovers(temp)} in the server's temporary folder",
                               [c.what for c in leaving])
    assert httpx2.get(server.url + "/api/info", timeout=10).status_code == 200, f"seed {seed}: /api/info"
    assert "Traceback" not in server.output(), (f"seed {seed}", server.output()[-3000:])

    for i, response in zip(together, responses):
        c, got = todo[i], answer(response, temp)
        context = f"seed {seed}: {c.what}"
        first = alone[i]
        if c.fails:
            assert 400 <= first.status < 500, (context, first.status, first.body)
            assert isinstance(first.body, dict) and CHINESE.search(str(first.body.get("detail"))), (context, first.body)
        else:
            assert first.status == 200, (context, first.status, str(first.body)[:500])
        assert got.status == first.status, (context, got.status, first.status, str(got.body)[:500])
        found = differences(first.body, got.body)
        assert not found, (context, found[:10])
        if c.office and not c.fails and c.route.startswith("/api/"):  # else the check below would prove nothing
            assert c.office.city in got.text, (context, "does not name its own department's units")
        for other in offices:
            if other is c.office:
                continue
            crossed = sorted(m for m in other.marks if m in got.text)
            assert not crossed, (context, f"names {other.city}'s", crossed)
