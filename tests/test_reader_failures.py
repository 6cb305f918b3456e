"""A file that trips xlmon's reader (an unforeseen error) or kills the process reading it: that file is rejected
with F013, every other file is still consolidated."""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import time

import pytest

from test_consolidate import write_form
from xlmon.cli import main
from xlmon.consolidate import run
from xlmon.consolidate.extract import extract
from xlmon.profile import load_profile

real_extract = extract


def failing(path, profile, dated=True):
    """extract, except for files named as failing: those end their process, or raise, as the name says."""
    name = os.path.basename(path)
    if "killed" in name:
        os.kill(os.getpid(), signal.SIGKILL)  # what the out-of-memory killer does
    if "aborts" in name:
        faulthandler.disable()  # pytest's: it would print the child's stack
        os.kill(os.getpid(), signal.SIGSEGV)  # a native reader's crash
    if "raises" in name:
        raise ValueError("意外的内容")
    return real_extract(path, profile, dated)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(run.PARALLEL_FROM + 4):
        write_form(folder / f"unit{i:02}.xlsx", unit=f"单位{i:02}", project=f"项目{i:02}")
    monkeypatch.setattr(run, "extract", failing)
    return folder


def consolidate(capsys, folder, tmp_path, *extra):
    code = main(["consolidate", str(folder), "-o", str(tmp_path / "汇总.xlsx"), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("bad,detail", [("unit03-killed.xlsx", "内存不足"), ("unit07-aborts.xlsx", "SIGSEGV"),
                                        ("unit11-raises.xlsx", "ValueError: 意外的内容")])
def test_a_file_that_kills_or_trips_the_reader_is_rejected_and_the_rest_consolidated(capsys, folder, tmp_path, bad,
                                                                                     detail):
    os.rename(folder / (bad[:6] + ".xlsx"), folder / bad)
    code, out = consolidate(capsys, folder, tmp_path)
    assert code == 0 and (tmp_path / "汇总.xlsx").is_file()
    rejected = [f for f in out["files"] if f["status"] == "rejected"]
    assert [f["path"] for f in rejected] == [str(folder / bad)]
    assert detail in rejected[0]["reason"] and "其余文件照常汇总" in rejected[0]["reason"]
    assert out["projects"] == run.PARALLEL_FROM + 3
    assert [d["code"] for d in out["diagnostics"] if d["file"] == str(folder / bad)] == ["F013"]


def test_files_read_with_the_one_that_killed_its_worker_are_all_read(folder, tmp_path):
    """Files of the dead worker's task, and of the other worker's, which the pool ended with it, are read again."""
    os.rename(folder / "unit00.xlsx", folder / "unit00-killed.xlsx")
    paths = sorted(folder.iterdir())
    calls = []
    outcomes = run.extract_all(paths, load_profile(), lambda done, total: calls.append(done), workers=2)
    assert [o.path for o in outcomes] == list(map(str, paths))
    assert [o.status for o in outcomes] == ["rejected"] + ["included"] * (len(paths) - 1)
    assert calls[-1] == len(paths) and calls == sorted(calls)


def test_a_reader_error_in_a_small_consolidation_is_that_files_alone(capsys, folder, tmp_path):
    """Below PARALLEL_FROM files are read in the main process: an error there ended the whole run (exit 2)."""
    for path in sorted(folder.iterdir())[3:]:
        path.unlink()
    os.rename(folder / "unit01.xlsx", folder / "unit01-raises.xlsx")
    code, out = consolidate(capsys, folder, tmp_path)
    assert code == 0 and out["projects"] == 2
    assert [f["status"] for f in out["files"]] == ["included", "rejected", "included"]


def die_once_idle(work, files):
    """_extract_each, but the worker given a file named …-last reads it, waits until every other file is read (no
    file being read anywhere), and dies before its outcome is sent back."""
    out = real_extract_each(work, files)
    if any("-last" in name for _, name in files):
        while any(run._begun[j] != 2 for j in range(len(run._begun))):
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGKILL)
    return out


real_extract_each = run._extract_each


def test_a_worker_dying_while_no_file_is_being_read_ends_no_run(folder, tmp_path, monkeypatch):
    """A worker killed between files (the system ending an idle process out of memory) blames no file: the files
    whose outcomes it took with it are read again, and the run goes on (it ended as 内部错误)."""
    os.rename(folder / "unit07.xlsx", folder / "unit99-last.xlsx")
    monkeypatch.setattr(run, "_extract_each", die_once_idle)
    paths = sorted(folder.iterdir())
    outcomes = run.extract_all(paths, load_profile(), workers=2)
    assert [o.path for o in outcomes] == list(map(str, paths))
    assert {o.status for o in outcomes} == {"included"}
