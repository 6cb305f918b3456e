"""Folders and files the user may not read or write, for real: the commands run as root without the capabilities
that let root pass over permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, dropped from the bounding set
before exec), so a folder of mode 555 refuses a new file and one of mode 000 cannot be listed, as for any user.
Elsewhere these are simulated by raising the OSError; here the operating system refuses."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from test_consolidate import write_form

PR_CAPBSET_DROP = 24
OVERRIDES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="permissions as Linux keeps them")


def _as_a_user() -> None:
    if os.geteuid() != 0:
        return  # permissions apply already
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in OVERRIDES:
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def xlmon(*args, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmon", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300, preexec_fn=_as_a_user,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONIOENCODING": "utf-8", **env})


@pytest.fixture
def folder(tmp_path) -> Path:
    """A department's folder: two units' files, and a 科's sub-folder of one more."""
    units = tmp_path / "部门"
    (units / "一科").mkdir(parents=True)
    write_form(units / "甲.xlsx", unit="甲单位", project="项目甲")
    write_form(units / "乙.xlsx", unit="乙单位", project="项目乙")
    write_form(units / "一科" / "丙.xlsx", unit="丙单位", project="项目丙")
    return units


def snapshot(top: Path) -> dict[str, bytes]:
    return {str(p.relative_to(top)): p.read_bytes() for p in sorted(top.rglob("*")) if p.is_file()}


def test_the_operating_system_refuses_here(tmp_path):
    """The premise: without the capabilities root cannot write into a folder of mode 555."""
    (tmp_path / "ro").mkdir(mode=0o555)
    done = subprocess.run([sys.executable, "-c", "open('ro/x', 'w')"], cwd=tmp_path, capture_output=True,
                          preexec_fn=_as_a_user)
    assert done.returncode != 0 and b"PermissionError" in done.stderr


def test_a_folder_that_cannot_be_listed_is_named_not_left_out(folder, tmp_path):
    """A 科's folder the department head may not open (or a share that dropped) was left out without a word: its
    units' projects were missing from the totals, and no file of them was listed. It is now rejected by name (F016),
    the others consolidated; a folder given that cannot be listed is said so, not an internal error."""
    (folder / "一科").chmod(0)
    try:
        done = xlmon("consolidate", "部门", "-o", "汇总.xlsx", "--format", "json", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        refused = [f for f in summary["files"] if f["status"] == "rejected"]
        assert [f["path"] for f in refused] == [str(Path("部门") / "一科")] and "文件夹无法打开：没有访问权限" in refused[0]["reason"]
        assert summary["projects"] == 2 and any(d["code"] == "F016" for d in summary["diagnostics"])

        done = xlmon("check", "部门", cwd=tmp_path)
        assert done.returncode == 1 and f"{Path('部门') / '一科'}: F016 文件夹无法打开" in done.stdout, done.stdout

        done = xlmon("consolidate", Path("部门") / "一科", "-o", "汇总2.xlsx", cwd=tmp_path)
        assert done.returncode == 1 and "文件夹无法打开" in done.stdout and "内部错误" not in done.stderr, done.stderr
        assert not (tmp_path / "汇总2.xlsx").exists()
    finally:
        (folder / "一科").chmod(0o755)


def test_a_units_file_that_cannot_be_read_is_named_and_the_others_consolidated(folder, tmp_path):
    (folder / "乙.xlsx").chmod(0)
    try:
        done = xlmon("consolidate", "部门", "-o", "汇总.xlsx", "--format", "json", cwd=tmp_path)
        summary = json.loads(done.stdout)
        [refused] = [f for f in summary["files"] if f["status"] == "rejected"]
        assert done.returncode == 0 and refused["path"].endswith("乙.xlsx") and "没有权限" in refused["reason"]
        assert summary["projects"] == 2
    finally:
        (folder / "乙.xlsx").chmod(0o644)


@pytest.mark.parametrize("command, target, again", [
    (("consolidate", "部门", "-o"), "汇总.xlsx", True),
    (("check", Path("部门") / "甲.xlsx", "--annotate"), "甲_校验.xlsx", True),
    (("report", "部门", "-o"), "分析报告.docx", True),
    (("template", "project", "-o"), "模板.xlsx", False),  # never written over: into an empty folder
])
def test_an_output_into_a_folder_that_cannot_be_written_fails_whole(folder, tmp_path, command, target, again):
    """A target in a folder the user may not write into (a read-only share, a CD): exit 2, a Chinese message naming
    the path, no file left there, the earlier target it would replace and every input as they were."""
    out = tmp_path / "只读"
    out.mkdir()
    if again:
        assert xlmon(*command, Path("只读") / target, cwd=tmp_path).returncode in (0, 1)
    earlier, inputs = snapshot(out), snapshot(folder)
    assert list(earlier) == ([target] if again else [])
    out.chmod(0o555)
    try:
        done = xlmon(*command, Path("只读") / target, cwd=tmp_path)
        assert done.returncode == 2, (done.stdout, done.stderr)
        assert f"无法写入 {Path('只读') / target}" in done.stderr and "Errno" not in done.stderr, done.stderr
        assert snapshot(out) == earlier and snapshot(folder) == inputs
    finally:
        out.chmod(0o755)


def test_the_demo_into_a_folder_that_cannot_be_written_says_so(tmp_path):
    out = tmp_path / "只读"
    out.mkdir(mode=0o555)
    try:
        done = xlmon("demo", Path("只读") / "demo", cwd=tmp_path)
        assert done.returncode == 2 and "无法在文件夹" in done.stderr and "Errno" not in done.stderr, done.stderr
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o755)


def test_installing_the_addin_into_a_folder_that_cannot_be_written_says_why(tmp_path):
    """A managed desktop's XLSTART the user may not write into was said to hold an add-in 'used by Excel'; the
    message now gives the reason and the folder, and nothing is installed (the config neither)."""
    xlstart, home = tmp_path / "XLSTART", tmp_path / "home"
    xlstart.mkdir(mode=0o555)
    home.mkdir()
    done = xlmon("addin", "install", "--xlstart", xlstart, cwd=tmp_path, HOME=str(home))
    try:
        said = done.stdout + done.stderr
        assert done.returncode == 2 and f"无法写入 {xlstart / 'xlmon.xlam'}（没有权限" in said, said
        assert f"有权写入文件夹 {xlstart}" in said and "未做任何修改" in said
        assert list(xlstart.iterdir()) == [] and list(home.rglob("*")) == []
    finally:
        xlstart.chmod(0o755)


def test_uninstalling_from_a_folder_that_cannot_be_written_says_why(tmp_path):
    xlstart = tmp_path / "XLSTART"
    xlstart.mkdir()
    (xlstart / "xlmon.xlam").write_bytes(b"installed")
    xlstart.chmod(0o555)
    done = xlmon("addin", "uninstall", "--xlstart", xlstart, cwd=tmp_path, HOME=str(tmp_path))
    try:
        said = done.stdout + done.stderr
        assert done.returncode == 2 and f"无法删除 {xlstart / 'xlmon.xlam'}（没有权限" in said, said
        assert f"有权修改文件夹 {xlstart}" in said and (xlstart / "xlmon.xlam").read_bytes() == b"installed"
    finally:
        xlstart.chmod(0o755)


_SUMMARISE = ("import sys\nfrom pathlib import Path\nfrom xlmon.entry_points import summarise_folder\n"
              "message, output = summarise_folder(Path(sys.argv[1]))\nprint(output)\nprint(message)\n")


def test_the_addins_summary_of_a_folder_it_may_only_read_says_where_and_why(folder, tmp_path):
    """汇总 writes 部门汇总.xlsx beside the units' files; on a share the department head may only read, the alert says
    where and why in Chinese and nothing is written (simulated in test_entry_points; here the system refuses). A 科's
    folder it may not open is named among the files left out."""
    (folder / "一科").chmod(0)
    folder.chmod(0o555)
    inputs = snapshot(tmp_path)
    try:
        done = subprocess.run([sys.executable, "-c", _SUMMARISE, str(folder)], capture_output=True, text=True,
                              timeout=300, preexec_fn=_as_a_user, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        assert done.returncode == 0, done.stderr
        output, message = done.stdout.split("\n", 1)
        assert output == "None" and f"无法在文件夹“{folder}”中保存汇总表（没有权限" in message, message
        assert "Errno" not in message and snapshot(tmp_path) == inputs
        folder.chmod(0o755)
        done = subprocess.run([sys.executable, "-c", _SUMMARISE, str(folder)], capture_output=True, text=True,
                              timeout=300, preexec_fn=_as_a_user, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        output, message = done.stdout.split("\n", 1)
        assert output.endswith("部门汇总.xlsx") and "一科" in message and "文件夹无法打开" in message, message
    finally:
        folder.chmod(0o755)
        (folder / "一科").chmod(0o755)
