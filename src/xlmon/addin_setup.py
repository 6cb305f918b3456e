"""`xlmon addin install|uninstall` and `xlmon doctor`: put the 绩效监控 ribbon into desktop Excel.

install copies the packaged xlmon.xlam (built by addin/build.py) into Excel's per-user startup folder,
with --profile a city's rule profile beside the config (the ribbon's buttons grade by it), and writes the
xlwings config file the add-in reads (its VBA has PROJECT_NAME "xlmon", so xlwings
looks for `%USERPROFILE%\\.xlmon\\xlmon.conf` on Windows and
`~/Library/Containers/com.microsoft.Excel/Data/xlmon.conf` on macOS) with the interpreter that runs
this command, in xlwings' own `"KEY","value"` format (see xlwings.cli.config_create). The VBA reads
that file with `Input #`, i.e. in the system ANSI code page, so it is written in that encoding.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .atomic import atomic_path
from .file_errors import os_reason
from .profile import Profile, ProfileError, funding_legend, load_profile

ADDIN_NAME = "xlmon.xlam"
CONF_NAME = "xlmon.conf"
PROFILE_NAME = "profile.toml"
EXIT_OK, EXIT_FINDINGS, EXIT_FAILURE = 0, 1, 2
MAC_STARTUP = ("Library", "Group Containers", "UBF8T346G9.Office", "User Content.localized",
               "Startup.localized", "Excel")
MAC_CONFIG = ("Library", "Containers", "com.microsoft.Excel", "Data")
MAC_SCRIPTS = ("Library", "Application Scripts", "com.microsoft.Excel")
UNSUPPORTED = ("桌面版 Excel 加载项只能安装在 Windows 或 macOS 上（本机为 {platform}）。"
               "在本机可以使用命令行（xlmon check、xlmon consolidate）或网页（xlmon serve）。")

Out = Callable[[str], None]


# ------------------------------------------------------------------------------------ locations

def packaged_addin() -> Path:
    """The built add-in shipped with the package (src/xlmon/addin_files), else the source tree's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "addin_files" / ADDIN_NAME, here.parents[1] / "addin" / ADDIN_NAME):
        if candidate.is_file():
            return candidate
    return here / "addin_files" / ADDIN_NAME


def _home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def xlstart_dir(platform: str | None = None) -> Path | None:
    """Excel's per-user startup folder, or None where there is no desktop Excel."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        appdata = os.environ.get("APPDATA") or str(_home() / "AppData" / "Roaming")
        return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"
    if platform == "darwin":
        return _home().joinpath(*MAC_STARTUP)
    return None


def config_path(platform: str | None = None) -> Path:
    """Where the add-in's xlwings code looks for xlmon.conf (GetConfigFilePath with PROJECT_NAME xlmon)."""
    platform = platform or sys.platform
    if platform == "darwin":
        return _home().joinpath(*MAC_CONFIG, CONF_NAME)
    base = os.environ.get("USERPROFILE") if platform.startswith("win") else None
    return Path(base or _home()) / ".xlmon" / CONF_NAME


def profile_path(platform: str | None = None) -> Path:
    """Where install --profile keeps a city's rule profile: beside xlmon.conf, in the user's own folder."""
    return config_path(platform).parent / PROFILE_NAME


def installed_profile() -> Profile:
    """The rule profile the ribbon's buttons use on this desktop: the installed one, else the built-in one. A
    profile broken since it was installed is a ProfileError naming the file (the button's alert says it)."""
    path = profile_path()
    return load_profile(path) if path.is_file() else load_profile()


def interpreter_keys(platform: str | None = None) -> list[str]:
    platform = platform or sys.platform
    if platform.startswith("win"):
        return ["INTERPRETER_WIN"]
    if platform == "darwin":
        return ["INTERPRETER_MAC"]
    return ["INTERPRETER_WIN", "INTERPRETER_MAC"]  # only with --xlstart (tests, copying to a share)


def conf_encoding(platform: str | None = None) -> str:
    """VBA's `Input #` reads ANSI text: the system code page on Windows (cp936 on Chinese Windows)."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        import locale

        return locale.getpreferredencoding(False)
    return "utf-8"


# ------------------------------------------------------------------------------------ config file

def read_config(path: Path, encoding: str | None = None) -> dict[str, str]:
    """`"KEY","value"` lines as xlwings reads them (keys upper-cased)."""
    if not path.is_file():
        return {}
    text = path.read_bytes().decode(encoding or conf_encoding(), errors="replace")
    config = {}
    for line in text.splitlines():
        values = re.findall(r'"([^"]*)"', line)
        if len(values) >= 2:
            config[values[0].upper()] = values[1]
    return config


def write_config(path: Path, settings: dict[str, str], encoding: str | None = None) -> None:
    """Set `settings`, keep every other line of an existing file."""
    encoding = encoding or conf_encoding()
    lines = []
    if path.is_file():
        for line in path.read_bytes().decode(encoding, errors="replace").splitlines():
            values = re.findall(r'"([^"]*)"', line)
            if values and values[0].upper() in settings:
                continue
            if line.strip():
                lines.append(line)
    lines += [f'"{key}","{value}"' for key, value in settings.items()]
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


# ------------------------------------------------------------------------------------ install

def install(xlstart: str | Path | None = None, dry_run: bool = False, out: Out = print,
            platform: str | None = None, profile: str | Path | None = None) -> int:
    """Copy the add-in, set the interpreter and, with `profile`, install a city's rule profile; a profile that
    cannot be used is said before anything is written."""
    platform = platform or sys.platform
    if profile is not None:
        try:
            load_profile(profile)
        except ProfileError as exc:
            out(f"xlmon: {exc}\n未安装任何内容。")
            return EXIT_FAILURE
    source = packaged_addin()
    if not source.is_file():
        out(f"xlmon: 找不到加载项文件 {source}。请重新安装 xlmon（开发环境请先运行 python addin/build.py）。")
        return EXIT_FAILURE
    target_dir = Path(xlstart) if xlstart else xlstart_dir(platform)
    if target_dir is None:
        out(UNSUPPORTED.format(platform=platform))
        return EXIT_FAILURE
    conf = config_path(platform)
    interpreter = sys.executable
    encoding = conf_encoding(platform)
    try:
        interpreter.encode(encoding)
    except UnicodeEncodeError:
        out(f"xlmon: Python 的路径 {interpreter} 含有 {encoding} 编码无法表示的字符，Excel 读不到它。"
            "请把 Python（或虚拟环境）安装到只含英文字母和数字的路径下再安装加载项。")
        return EXIT_FAILURE
    settings = {key: interpreter for key in interpreter_keys(platform)}
    target = target_dir / ADDIN_NAME
    prefix = "将" if dry_run else "已"
    if dry_run:
        out("（演示模式，未做任何修改）")
    else:
        steps = [(target, lambda: _copy(source, target)), (conf, lambda: write_config(conf, settings, encoding))]
        if profile is not None:
            steps.append((profile_path(platform), lambda: _copy(profile, profile_path(platform))))
        failed = _all_or_none(steps)
        if failed is None and platform == "darwin":
            _install_applescript()
        if failed is not None:
            path, exc = failed
            out(f"xlmon: 安装失败，无法写入 {path}（{os_reason(exc)}）。请先退出 Excel，并确认有权写入文件夹 {path.parent}，"
                "再运行 xlmon addin install；未做任何修改。")
            return EXIT_FAILURE
    out(f"{prefix}复制加载项：{source} → {target}")
    for key, value in settings.items():
        out(f"{prefix}在配置文件 {conf} 中设置 {key} = {value}")
    rules = profile_path(platform)
    if profile is not None:
        out(f"{prefix}安装规则配置：{profile} → {rules}（“绩效监控”的各按钮按它校验、分级和汇总）")
    elif rules.is_file():
        out(f"沿用已安装的规则配置：{rules}")
    if not dry_run:
        out("安装完成。请重新启动 Excel，在“绩效监控”选项卡中使用各按钮。"
            "如按钮无反应，请运行 xlmon doctor 检查。")
    return EXIT_OK


def _all_or_none(steps: list[tuple[Path, Callable[[], None]]]) -> tuple[Path, OSError] | None:
    """Write each file in turn; where one fails, put back those written before it as they were (an add-in copied
    without its config showed a ribbon whose buttons found no Python) and name the one that failed."""
    earlier: list[tuple[Path, bytes | None]] = []
    for path, write in steps:
        try:
            before = path.read_bytes() if path.is_file() else None
            write()
        except OSError as exc:
            for done, data in reversed(earlier):
                try:
                    if data is None:
                        done.unlink()
                    else:
                        with atomic_path(done) as tmp:
                            Path(tmp).write_bytes(data)
                except OSError:
                    pass
            return path, exc
        earlier.append((path, before))
    return None


def _copy(source: str | Path, target: Path) -> None:
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)


def _install_applescript() -> None:
    """macOS: RunPython goes through xlwings' AppleScript (what `xlwings runpython install` does)."""
    import xlwings

    script = Path(xlwings.__file__).parent / f"xlwings-{xlwings.__version__}.applescript"
    target = _home().joinpath(*MAC_SCRIPTS)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(script, target)


def uninstall(xlstart: str | Path | None = None, out: Out = print, platform: str | None = None) -> int:
    platform = platform or sys.platform
    target_dir = Path(xlstart) if xlstart else xlstart_dir(platform)
    if target_dir is None:
        out(UNSUPPORTED.format(platform=platform))
        return EXIT_FAILURE
    target = target_dir / ADDIN_NAME
    if not target.exists():
        out(f"未找到已安装的加载项（{target}），无需卸载。")
        return EXIT_OK
    try:
        target.unlink()
    except OSError as exc:
        out(f"xlmon: 无法删除 {target}（{os_reason(exc)}）。请先退出 Excel，并确认有权修改文件夹 {target.parent}，"
            "再运行 xlmon addin uninstall。")
        return EXIT_FAILURE
    out(f"已删除加载项 {target}。重新启动 Excel 后“绩效监控”选项卡消失。")
    for kept in (config_path(platform), profile_path(platform)):
        if kept.exists():
            out(f"配置文件 {kept} 已保留，如不再需要可手动删除。")
    return EXIT_OK


# ------------------------------------------------------------------------------------ doctor

@dataclass
class Finding:
    ok: bool
    message: str
    fix: str = ""


def embedded_xlwings_version(xlam: Path) -> str:
    """XLWINGS_VERSION of the add-in's `xlwings` VBA module (raises ValueError if unreadable)."""
    import olefile  # a dependency of oletools / msoffcrypto-tool; small, pure Python

    with zipfile.ZipFile(xlam) as zf:
        ole = olefile.OleFileIO(zf.read("xl/vbaProject.bin"))
    try:
        offsets = _module_offsets(decompress(ole.openstream("VBA/dir").read()))
        if "xlwings" not in offsets:
            raise ValueError("no module named xlwings")
        stream = ole.openstream("VBA/xlwings").read()
        source = decompress(stream[offsets["xlwings"]:]).decode("latin-1")
    finally:
        ole.close()
    match = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', source)
    if not match:
        raise ValueError("XLWINGS_VERSION not found")
    return match.group(1)


def _module_offsets(dir_stream: bytes) -> dict[str, int]:
    offsets, name, i = {}, None, 0
    while i + 6 <= len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, i)
        if rid == 0x09:
            size = 6  # PROJECTVERSION: the size field is Reserved
        body = dir_stream[i + 6:i + 6 + size]
        if rid == 0x1A:
            name = body.decode("latin-1")
        elif rid == 0x31 and name is not None:
            offsets[name] = struct.unpack("<I", body)[0]
        i += 6 + size
    return offsets


def decompress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1 decompression."""
    if not data or data[0] != 1:
        raise ValueError("not an MS-OVBA compressed container")
    out, pos = bytearray(), 1
    while pos + 2 <= len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        end = min(pos + (header & 0x0FFF) + 3, len(data))
        pos += 2
        start = len(out)
        if not header & 0x8000:
            out += data[pos:pos + 4096]
            pos = end
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bit_count = max((len(out) - start - 1).bit_length(), 4)
                length = (token & (0xFFFF >> bit_count)) + 3
                offset = (token >> (16 - bit_count)) + 1
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def _templates_dir() -> Path | None:
    folder = Path(__file__).resolve().parents[2] / "workbook_templates"
    return folder if folder.is_dir() else None


def _python_versions(interpreter: str) -> tuple[str | None, str]:
    """(xlwings version, error) as the configured interpreter sees them."""
    if Path(interpreter).resolve() == Path(sys.executable).resolve():
        import xlwings

        import xlmon.entry_points  # noqa: F401  (the module the ribbon imports)
        return xlwings.__version__, ""
    code = "import xlmon.entry_points, xlwings; print(xlwings.__version__)"
    try:
        done = subprocess.run([interpreter, "-c", code], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None, "超过 120 秒没有响应"
    except OSError as exc:
        return None, f"无法运行（{os_reason(exc)}）"
    if done.returncode:
        return None, (done.stderr.strip().splitlines() or ["?"])[-1]
    return done.stdout.strip(), ""


def diagnose(xlstart: str | Path | None = None, platform: str | None = None,
             templates: Path | None | bool = True) -> list[Finding]:
    platform = platform or sys.platform
    findings: list[Finding] = []
    target_dir = Path(xlstart) if xlstart else xlstart_dir(platform)
    installed = target_dir / ADDIN_NAME if target_dir else None
    packaged = packaged_addin()

    if installed is None:
        findings.append(Finding(False, UNSUPPORTED.format(platform=platform)))
    elif not installed.is_file():
        findings.append(Finding(False, f"Excel 启动文件夹中没有加载项：{installed}", "运行 xlmon addin install"))
    elif packaged.is_file() and installed.read_bytes() != packaged.read_bytes():
        findings.append(Finding(False, f"已安装的加载项与当前 xlmon 版本附带的不同：{installed}",
                                "退出 Excel 后运行 xlmon addin install 更新"))
    else:
        findings.append(Finding(True, f"加载项已安装：{installed}"))

    addin = installed if installed is not None and installed.is_file() else packaged
    vba_version = None
    if addin.is_file():
        try:
            vba_version = embedded_xlwings_version(addin)
        except ImportError:
            findings.append(Finding(False, "无法读取加载项中的 xlwings 版本：缺少 olefile 模块", "pip install olefile"))
        except (ValueError, OSError, zipfile.BadZipFile, KeyError) as exc:
            findings.append(Finding(False, f"加载项文件 {addin} 已损坏（{exc}）", "运行 xlmon addin install 重新安装"))
    else:
        findings.append(Finding(False, f"找不到加载项文件 {addin}", "重新安装 xlmon"))

    conf = config_path(platform)
    config = read_config(conf, conf_encoding(platform))
    keys = [k for k in interpreter_keys(platform) if config.get(k)]
    if not conf.is_file():
        findings.append(Finding(False, f"没有配置文件 {conf}，Excel 不知道用哪个 Python", "运行 xlmon addin install"))
    elif not keys:
        findings.append(Finding(False, f"配置文件 {conf} 中没有 {'/'.join(interpreter_keys(platform))}",
                                "运行 xlmon addin install，或点“设置”按钮填写 Python 路径"))
    for key in keys:
        interpreter = os.path.expandvars(config[key])
        if not Path(interpreter).is_file():
            findings.append(Finding(False, f"配置的 Python 不存在：{key} = {interpreter}",
                                    "用要使用的 Python 重新运行 xlmon addin install"))
            continue
        findings.append(Finding(True, f"配置的 Python：{interpreter}"))
        py_version, error = _python_versions(interpreter)
        if py_version is None:
            findings.append(Finding(False, f"该 Python 无法导入 xlmon 或 xlwings：{error}",
                                    f"在该环境中安装：{interpreter} -m pip install xlmon"))
        elif vba_version and py_version != vba_version:
            findings.append(Finding(False, f"版本不一致：加载项中的 xlwings 为 {vba_version}，Python 中为 {py_version}",
                                    "运行 xlmon addin install 安装与当前 xlwings 匹配的加载项，"
                                    f"或安装 xlwings=={vba_version}"))
        elif vba_version:
            findings.append(Finding(True, f"xlwings 版本一致：{py_version}"))

    findings.append(_profile_finding(platform))
    if templates is True:
        templates = _templates_dir()
    from .templates import TEMPLATE_FILES

    if isinstance(templates, Path):
        missing = [n for n in TEMPLATE_FILES.values() if not (templates / n).is_file()]
        if missing:
            findings.append(Finding(False, f"模板文件缺失：{'、'.join(missing)}（{templates}）",
                                    "运行 xlmon template project -o … 重新生成，或从代码库恢复 workbook_templates"))
        else:
            findings.append(Finding(True, f"模板齐全：{templates}"))
    elif templates is None:
        findings.append(Finding(True, "未附带模板文件夹；需要时用 xlmon template project|department -o 文件 生成"))
    return findings


def _profile_finding(platform: str) -> Finding:
    rules = profile_path(platform)
    if not rules.is_file():
        return Finding(True, f"规则配置：内置，{_said(load_profile())}（本地规则不同时，用 xlmon addin install --profile 文件 安装）")
    try:
        profile = load_profile(rules)
    except ProfileError as exc:
        return Finding(False, f"已安装的规则配置无法使用，各按钮将报错：{exc}",
                       "改正后用 xlmon profile --check 文件 检查，再运行 xlmon addin install --profile 文件")
    return Finding(True, f"规则配置：{rules}，{_said(profile)}")


def _said(profile: Profile) -> str:
    return funding_legend(profile).replace("\n", "；")


def doctor(xlstart: str | Path | None = None, out: Out = print, platform: str | None = None,
           templates: Path | None | bool = True) -> int:
    findings = diagnose(xlstart, platform, templates)
    for f in findings:
        out(("✓ " if f.ok else "✗ ") + f.message + ("" if f.ok or not f.fix else f"\n  解决办法：{f.fix}"))
    bad = sum(not f.ok for f in findings)
    out("检查通过。" if not bad else f"发现 {bad} 个问题，请按上面的办法处理。")
    return EXIT_OK if not bad else EXIT_FINDINGS
