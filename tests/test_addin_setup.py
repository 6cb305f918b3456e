"""xlmon addin install/uninstall and xlmon doctor, against temporary home and XLSTART folders."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

import xlwings
from xlmon import addin_setup as A
from xlmon.templates import TEMPLATE_FILES


def run(fn, *args, **kwargs) -> tuple[int, str]:
    lines: list[str] = []
    code = fn(*args, out=lines.append, **kwargs)
    return code, "\n".join(lines)


def test_locations_follow_excel_and_xlwings(home):
    assert A.xlstart_dir("win32") == home / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART"
    assert A.xlstart_dir("darwin") == home / "Library" / "Group Containers" / "UBF8T346G9.Office" / \
        "User Content.localized" / "Startup.localized" / "Excel"
    assert A.xlstart_dir("linux") is None
    assert A.config_path("win32") == home / ".xlmon" / "xlmon.conf"
    assert A.config_path("darwin") == home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "xlmon.conf"


def test_packaged_addin_is_the_built_one():
    packaged = A.packaged_addin()
    assert packaged.is_file()
    assert packaged.read_bytes() == (Path(__file__).resolve().parents[1] / "addin" / "xlmon.xlam").read_bytes()


def test_install_refuses_linux_without_xlstart(home):
    code, text = run(A.install, platform="linux")
    assert code == 2 and "Windows 或 macOS" in text
    assert not (home / ".xlmon").exists()


def test_install_dry_run_changes_nothing(home, tmp_path):
    xlstart = tmp_path / "XLSTART"
    code, text = run(A.install, xlstart, dry_run=True, platform="win32")
    assert code == 0 and "演示模式" in text and str(xlstart / "xlmon.xlam") in text
    assert not xlstart.exists() and not (home / ".xlmon").exists()


def test_install_copies_addin_and_writes_xlwings_config(home, tmp_path):
    xlstart = tmp_path / "XLSTART"
    code, text = run(A.install, xlstart, platform="win32")
    assert code == 0, text
    assert (xlstart / "xlmon.xlam").read_bytes() == A.packaged_addin().read_bytes()
    conf = home / ".xlmon" / "xlmon.conf"
    raw = conf.read_bytes().decode(A.conf_encoding("win32"))
    assert raw == f'"INTERPRETER_WIN","{sys.executable}"\r\n'  # xlwings' own "KEY","value" lines
    assert A.read_config(conf) == {"INTERPRETER_WIN": sys.executable}


def test_install_keeps_other_config_lines(home, tmp_path):
    conf = home / ".xlmon" / "xlmon.conf"
    conf.parent.mkdir()
    conf.write_text('"INTERPRETER_WIN","C:\\old\\python.exe"\n"PYTHONPATH","D:\\work"\n')
    assert run(A.install, tmp_path / "X", platform="win32")[0] == 0
    assert A.read_config(conf) == {"PYTHONPATH": "D:\\work", "INTERPRETER_WIN": sys.executable}


def test_install_on_linux_with_xlstart_sets_both_keys(home, tmp_path):
    assert run(A.install, tmp_path / "X", platform="linux")[0] == 0
    assert A.read_config(home / ".xlmon" / "xlmon.conf") == {
        "INTERPRETER_WIN": sys.executable, "INTERPRETER_MAC": sys.executable}


def test_uninstall(home, tmp_path):
    xlstart = tmp_path / "XLSTART"
    run(A.install, xlstart, platform="win32")
    code, text = run(A.uninstall, xlstart, platform="win32")
    assert code == 0 and not (xlstart / "xlmon.xlam").exists() and "已保留" in text
    code, text = run(A.uninstall, xlstart, platform="win32")
    assert code == 0 and "无需卸载" in text
    assert run(A.uninstall, platform="linux")[0] == 2


def test_embedded_xlwings_version_is_read_from_the_vba():
    assert A.embedded_xlwings_version(A.packaged_addin()) == xlwings.__version__


@pytest.fixture
def templates(tmp_path) -> Path:
    folder = tmp_path / "workbook_templates"
    folder.mkdir()
    for name in TEMPLATE_FILES.values():
        (folder / name).write_bytes(b"x")
    return folder


def test_doctor_all_good_after_install(home, tmp_path, templates):
    xlstart = tmp_path / "XLSTART"
    run(A.install, xlstart, platform="win32")
    code, text = run(A.doctor, xlstart, platform="win32", templates=templates)
    assert code == 0, text
    assert "✗" not in text and f"xlwings 版本一致：{xlwings.__version__}" in text and "检查通过" in text


def test_doctor_without_install(home, tmp_path, templates):
    code, text = run(A.doctor, tmp_path / "XLSTART", platform="win32", templates=templates)
    assert code == 1
    assert "没有加载项" in text and "没有配置文件" in text and text.count("解决办法") >= 2


def test_doctor_missing_interpreter_and_templates(home, tmp_path, templates):
    xlstart = tmp_path / "XLSTART"
    run(A.install, xlstart, platform="win32")
    A.write_config(home / ".xlmon" / "xlmon.conf", {"INTERPRETER_WIN": str(tmp_path / "nope" / "python.exe")})
    (templates / TEMPLATE_FILES["project"]).unlink()
    code, text = run(A.doctor, xlstart, platform="win32", templates=templates)
    assert code == 1
    assert "配置的 Python 不存在" in text and "模板文件缺失" in text and TEMPLATE_FILES["project"] in text


def test_doctor_reports_version_mismatch(home, tmp_path, templates, monkeypatch):
    xlstart = tmp_path / "XLSTART"
    run(A.install, xlstart, platform="win32")
    monkeypatch.setattr(A, "embedded_xlwings_version", lambda path: "0.1.0")
    code, text = run(A.doctor, xlstart, platform="win32", templates=templates)
    assert code == 1 and "版本不一致" in text and "0.1.0" in text


def test_doctor_reports_stale_or_broken_addin(home, tmp_path, templates):
    xlstart = tmp_path / "XLSTART"
    run(A.install, xlstart, platform="win32")
    (xlstart / "xlmon.xlam").write_bytes(b"not a zip")
    code, text = run(A.doctor, xlstart, platform="win32", templates=templates)
    assert code == 1 and "不同" in text and "已损坏" in text


def test_doctor_checks_another_interpreter_by_running_it(home, tmp_path, templates):
    """A configured interpreter that is not this one is asked for its xlwings (here: a stub that fails)."""
    xlstart = tmp_path / "XLSTART"
    run(A.install, xlstart, platform="win32")
    stub = tmp_path / "python"
    stub.write_text("#!/bin/sh\necho 'No module named xlmon' >&2\nexit 1\n")
    stub.chmod(0o755)
    A.write_config(home / ".xlmon" / "xlmon.conf", {"INTERPRETER_WIN": str(stub)})
    code, text = run(A.doctor, xlstart, platform="win32", templates=templates)
    assert code == 1 and "无法导入 xlmon" in text and "No module named xlmon" in text


def test_doctor_says_in_chinese_why_an_interpreter_cannot_be_run(home, tmp_path, templates):
    xlstart = tmp_path / "XLSTART"
    run(A.install, xlstart, platform="win32")
    stub = tmp_path / "python"
    stub.write_text("not a program\n")
    stub.chmod(0o644)  # there, but not runnable
    A.write_config(home / ".xlmon" / "xlmon.conf", {"INTERPRETER_WIN": str(stub)})
    code, text = run(A.doctor, xlstart, platform="win32", templates=templates)
    assert code == 1 and "该 Python 无法导入 xlmon 或 xlwings：无法运行（" in text and "Errno" not in text


def test_install_where_a_file_stands_in_the_way_says_so_in_chinese(home, tmp_path):
    blocked = tmp_path / "XLSTART"
    blocked.write_text("a file, not a folder")
    code, text = run(A.install, blocked, platform="win32")
    assert code == 2 and text.startswith(f"xlmon: 安装失败，无法写入 {blocked / A.ADDIN_NAME}（") and "Errno" not in text


def test_an_install_that_fails_part_way_leaves_what_was_there(home, tmp_path, monkeypatch):
    """The add-in was copied into XLSTART before the config was written: where the config could not be (a home
    folder the user may not write), Excel showed the ribbon and its buttons found no Python, and the message named
    xlmon.xlam, said to be held by Excel. Now nothing is changed, and the file that could not be written is named;
    an earlier installation stays as it was."""
    xlstart = tmp_path / "XLSTART"
    conf, write_config = A.config_path("win32"), A.write_config

    def refused(path, settings, encoding=None):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(A, "write_config", refused)
    code, text = run(A.install, xlstart, platform="win32")
    assert code == 2 and f"无法写入 {conf}（没有权限" in text and "未做任何修改" in text and "Errno" not in text
    assert not (xlstart / A.ADDIN_NAME).exists()

    monkeypatch.setattr(A, "write_config", write_config)
    run(A.install, xlstart, platform="win32")
    (xlstart / A.ADDIN_NAME).write_bytes(b"an earlier add-in")
    earlier_conf = conf.read_bytes()
    monkeypatch.setattr(A, "write_config", refused)
    code, text = run(A.install, xlstart, platform="win32")
    assert code == 2 and (xlstart / A.ADDIN_NAME).read_bytes() == b"an earlier add-in" and conf.read_bytes() == earlier_conf


def test_decompress_matches_oletools():
    olevba = pytest.importorskip("oletools.olevba")
    with zipfile.ZipFile(A.packaged_addin()) as zf:
        import olefile

        ole = olefile.OleFileIO(zf.read("xl/vbaProject.bin"))
        for stream in ("VBA/dir", "VBA/xlwings", "VBA/XlmonRibbon"):
            raw = ole.openstream(stream).read()
            assert A.decompress(raw) == bytes(olevba.decompress_stream(bytearray(raw)))


def test_install_profile_puts_a_citys_profile_beside_the_config_and_keeps_it(home, tmp_path, templates):
    """--profile installs the city's rule profile where the buttons look for it (installed_profile); a reinstall
    without it and an uninstall keep it; doctor says which profile the buttons use."""
    city = tmp_path / "本市规则.toml"
    city.write_text("[funding]\ngreen_max_gap = 0.05\nyellow_max_gap = 0.15\n", encoding="utf-8")
    xlstart = tmp_path / "XLSTART"
    assert A.installed_profile().funding.green_max_gap == 0.10  # none installed: the built-in one
    code, text = run(A.install, xlstart, platform="win32", profile=city)
    installed = home / ".xlmon" / "profile.toml"
    assert code == 0 and installed.read_bytes() == city.read_bytes() and f"{city} → {installed}" in text, text
    assert A.installed_profile().funding.green_max_gap == 0.05
    code, text = run(A.doctor, xlstart, platform="win32", templates=templates)
    assert code == 0 and f"规则配置：{installed}，评级：支出进度落后时间进度≤5个百分点为绿灯，≤15个百分点为黄灯" in text, text

    code, text = run(A.install, xlstart, platform="win32")
    assert code == 0 and f"沿用已安装的规则配置：{installed}" in text and installed.read_bytes() == city.read_bytes()
    code, text = run(A.uninstall, xlstart, platform="win32")
    assert code == 0 and f"配置文件 {installed} 已保留" in text and installed.is_file()


def test_install_refuses_a_profile_it_cannot_use_before_writing_anything(home, tmp_path):
    city = tmp_path / "本市规则.toml"
    city.write_text("[funding]\ngreen_max_gap = 0.3\nyellow_max_gap = 0.2\n", encoding="utf-8")
    xlstart = tmp_path / "XLSTART"
    code, text = run(A.install, xlstart, platform="win32", profile=city)
    assert code == 2 and str(city) in text and "yellow_max_gap" in text and "未安装任何内容" in text, text
    assert not xlstart.exists() and not (home / ".xlmon").exists()


def test_doctor_finds_an_installed_profile_broken_since(home, tmp_path, templates):
    city = tmp_path / "本市规则.toml"
    city.write_text("[funding]\ngreen_max_gap = 0.05\n", encoding="utf-8")
    xlstart = tmp_path / "XLSTART"
    run(A.install, xlstart, platform="win32", profile=city)
    (home / ".xlmon" / "profile.toml").write_text("[funding]\ngreen_max_gap = 百分之五\n", encoding="utf-8")
    code, text = run(A.doctor, xlstart, platform="win32", templates=templates)
    assert code == 1 and "已安装的规则配置无法使用" in text and "xlmon addin install --profile" in text, text
