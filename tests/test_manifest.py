"""The Office add-in manifest and its icons: what Excel is handed when the add-in is installed.

Microsoft publishes the manifest XSDs only in its documentation repository; no package in PyPI or
npm ships them (office-addin-manifest validates through an online service). So the schema test
runs `validate_manifest`, which carries the XSDs' content models, and the fault tests below show
that it rejects what the XSDs reject: order, occurrences, attributes, simple types, xsi:type.
"""

from __future__ import annotations

import dataclasses
import struct
import zlib
from itertools import combinations

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import given
from hypothesis import strategies as st

import xlmon
from xlmon.server.icons import ICON_NAMES, ICON_SIZES, icon_filename, icon_png, parse_icon_filename
from xlmon.server.manifest import (
    ADDIN_ID, BT, BUTTONS, OA, OV, XSI, Button, build_manifest, manifest_version, normalize_base_url,
    validate_manifest,
)

BASE = "https://xlmon.example.gov.cn/addin"
NS = {"oa": OA, "bt": BT, "ov": OV}
XSI_TYPE = "{" + XSI + "}type"


@pytest.fixture(scope="module")
def manifest() -> str:
    return build_manifest(BASE + "/")


def resources(root) -> dict[str, str]:
    """Every resource id of the manifest with its DefaultValue."""
    return {el.get("id"): el.get("DefaultValue") for el in root.iterfind("ov:VersionOverrides/ov:Resources/*/*", NS)}


TAB = "ov:VersionOverrides/ov:Hosts/ov:Host/ov:DesktopFormFactor/ov:ExtensionPoint/ov:CustomTab"


def group(root):
    return root.find(TAB + "/ov:Group", NS)


@pytest.mark.parametrize("base", [BASE, "https://10.1.2.3:8443", "http://localhost:8000/", "http://127.0.0.1:8000"])
def test_manifest_is_schema_valid(base):
    xml = build_manifest(base)
    assert fromstring(xml).tag == f"{{{OA}}}OfficeApp"
    assert validate_manifest(xml) == []


def test_manifest_describes_xlmon(manifest):
    root = fromstring(manifest)
    assert root.get(XSI_TYPE) == "TaskPaneApp"
    assert root.findtext("oa:Id", namespaces=NS) == ADDIN_ID
    version = root.findtext("oa:Version", namespaces=NS)
    assert version == manifest_version(xlmon.__version__) and len(version.split(".")) == 4
    assert root.findtext("oa:DefaultLocale", namespaces=NS) == "zh-CN"
    assert root.find("oa:DisplayName", NS).get("DefaultValue") == "xlmon 预算绩效运行监控"
    assert "汇总" in root.find("oa:Description", NS).get("DefaultValue")
    assert root.find("oa:DefaultSettings/oa:SourceLocation", NS).get("DefaultValue") == f"{BASE}/taskpane.html"
    assert root.findtext("oa:Permissions", namespaces=NS) == "ReadWriteDocument"
    assert root.find("oa:Hosts/oa:Host", NS).get("Name") == "Workbook"
    assert root.find("oa:Requirements/oa:Sets/oa:Set", NS).attrib == {"Name": "ExcelApi", "MinVersion": "1.9"}
    assert root.findtext("oa:AppDomains/oa:AppDomain", namespaces=NS) == "https://xlmon.example.gov.cn"
    overrides = root.find("ov:VersionOverrides", NS)
    assert overrides.get(XSI_TYPE) == "VersionOverridesV1_0"
    form_factor = overrides.find("ov:Hosts/ov:Host/ov:DesktopFormFactor", NS)
    assert resources(root)[form_factor.find("ov:FunctionFile", NS).get("resid")] == f"{BASE}/commands.html"


def test_button_table():
    assert [b.label for b in BUTTONS] == ["计算", "校验", "清除标记", "新建项目表", "汇总", "生成报告"]
    assert [b.script for b in BUTTONS] == ["calculate", "validate", "clear_marks", "new_project_form", None, None]
    assert [b.function for b in BUTTONS] == ["xlmonCalculate", "xlmonValidate", "xlmonClearMarks",
                                             "xlmonNewProjectForm", None, None]
    assert [b.opens_taskpane for b in BUTTONS] == [False] * 4 + [True, True]
    assert len({b.id for b in BUTTONS}) == len({b.icon for b in BUTTONS}) == len(BUTTONS)
    assert {b.icon for b in BUTTONS} <= set(ICON_NAMES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        BUTTONS[0].label = "算"


def test_ribbon_lists_every_button_in_order(manifest):
    root = fromstring(manifest)
    strings = resources(root)
    tab = root.find(TAB, NS)
    assert tab.get("id") == "xlmon.Tab" and strings[tab.find("ov:Label", NS).get("resid")] == "绩效监控"
    assert group(root).get("id") == "xlmon.Group"
    assert strings[group(root).find("ov:Label", NS).get("resid")] == "预算绩效运行监控"
    controls = group(root).findall("ov:Control", NS)
    assert [c.get("id") for c in controls] == [b.id for b in BUTTONS]
    for control, button in zip(controls, BUTTONS, strict=True):
        assert control.get(XSI_TYPE) == "Button"
        assert strings[control.find("ov:Label", NS).get("resid")] == button.label
        assert strings[control.find("ov:Supertip/ov:Title", NS).get("resid")] == button.label
        assert strings[control.find("ov:Supertip/ov:Description", NS).get("resid")] == button.tooltip
        images = {img.get("size"): strings[img.get("resid")] for img in control.iterfind("ov:Icon/bt:Image", NS)}
        assert images == {str(s): f"{BASE}/icons/{button.icon}-{s}.png" for s in (16, 32, 80)}
        action = control.find("ov:Action", NS)
        if button.opens_taskpane:
            assert action.get(XSI_TYPE) == "ShowTaskpane"
            assert strings[action.find("ov:SourceLocation", NS).get("resid")] == f"{BASE}/taskpane.html"
        else:
            assert action.get(XSI_TYPE) == "ExecuteFunction"
            assert action.findtext("ov:FunctionName", namespaces=NS) == button.function


def test_a_button_is_one_more_row():
    report = Button("xlmon.Settings", "设置", "访问令牌等设置",
                    "settings", "xlmonSettings", "check")
    xml = build_manifest(BASE, buttons=(*BUTTONS, report))
    labels = [resources(fromstring(xml))[c.find("ov:Label", NS).get("resid")]
              for c in group(fromstring(xml)).findall("ov:Control", NS)]
    assert labels == ["计算", "校验", "清除标记", "新建项目表", "汇总", "生成报告", "设置"]
    with pytest.raises(ValueError, match="no icon drawn"):
        build_manifest(BASE, buttons=(dataclasses.replace(report, icon="chart"),))
    with pytest.raises(ValueError, match="126 characters"):
        build_manifest(BASE, buttons=(dataclasses.replace(report, label="报" * 126),))


@pytest.mark.parametrize("base, expected", [
    ("https://xlmon.example.gov.cn/", "https://xlmon.example.gov.cn"),
    (" https://host:8443/xlmon// ", "https://host:8443/xlmon"),
    ("http://localhost:8000/", "http://localhost:8000"),
    ("http://127.0.0.1", "http://127.0.0.1"),
    ("http://[::1]:8000", "http://[::1]:8000"),
])
def test_base_url_accepted(base, expected):
    assert normalize_base_url(base) == expected


@pytest.mark.parametrize("base", [
    "http://xlmon.example.gov.cn", "http://192.168.1.5:8000", "ftp://host/", "xlmon.example.gov.cn", "/addin",
    "https://", "https://host/?x=1", "https://host/#top",
])
def test_base_url_rejected(base):
    with pytest.raises(ValueError):
        build_manifest(base)


@given(st.text(alphabet="ab预算&<>\"'%;=/-", max_size=30))
def test_any_base_path_is_escaped(path):
    base = normalize_base_url(f"https://xlmon.example.gov.cn/{path}")
    root = fromstring(build_manifest(base))
    assert root.find("oa:DefaultSettings/oa:SourceLocation", NS).get("DefaultValue") == f"{base}/taskpane.html"


@pytest.mark.parametrize("version, expected", [
    ("0.1.0", "0.1.0.0"), ("1.2", "1.2.0.0"), ("2.0.1rc1", "2.0.1.0"), ("1.2.dev3", "1.2.0.0"),
    ("1.2.3.4.5", "1.2.3.4"),
])
def test_manifest_version(version, expected):
    assert manifest_version(version) == expected


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="Version"):
        build_manifest(BASE, version="1.2.3.4.5")
    with pytest.raises(ValueError, match="Id"):
        build_manifest(BASE, addin_id="xlmon")


CONTROL = '<Control xsi:type="Button" id="xlmon.Validate">'
LABEL = '<Label resid="xlmon.Validate.Label"/>'
TIP = ('<Supertip>\n                    <Title resid="xlmon.Validate.Label"/>\n'
       '                    <Description resid="xlmon.Validate.Tooltip"/>\n                  </Supertip>')
FUNCTION = "<FunctionName>xlmonValidate</FunctionName>"
ACTION = FUNCTION + "\n                  </Action>"
IMAGE = '<bt:Image size="80" resid="Icon.check.80"/>'
COMMANDS = '"https://xlmon.example.gov.cn/addin/commands.html"'
NEXT = "\n                  "

# name: (text of the good manifest, what replaces it, a part of the message expected)
FAULTS = {
    "missing resid": ('<bt:String id="xlmon.Validate.Label" DefaultValue="校验"/>', "",
                      "resid 'xlmon.Validate.Label' is not defined in bt:ShortStrings"),
    "resid of another kind": ('<Description resid="xlmon.Validate.Tooltip"/>',
                              '<Description resid="xlmon.Validate.Label"/>',
                              "resid 'xlmon.Validate.Label' is not defined in bt:LongStrings"),
    "duplicate control id": ('id="xlmon.ClearMarks"', 'id="xlmon.Calculate"',
                             "control id 'xlmon.Calculate' is used 2 times"),
    "duplicate resource id": ('<bt:Image id="Icon.check.16"', '<bt:Image id="Icon.logo.16"',
                              "resource id 'Icon.logo.16' is defined 2 times"),
    "too-long short string": ('DefaultValue="校验"', 'DefaultValue="' + "校" * 126 + '"',
                              "has 126 characters, allowed 1..125"),
    "too-long long string": ('DefaultValue="重新计算', 'DefaultValue="' + "算" * 250, "allowed 1..250"),
    "empty string": ('DefaultValue="汇总"', 'DefaultValue=""', "has 0 characters"),
    "too-long resource id": ("xlmon.NewProjectForm.Tooltip", "xlmon.NewProjectForm.TooltipOfTheButton",
                             "has 39 characters, allowed 1..32"),
    "non-https remote URL": (COMMANDS, COMMANDS.replace("https", "http"), "not an absolute https URL"),
    "relative URL": ('"https://xlmon.example.gov.cn/addin/icons/check-80.png"', '"icons/check-80.png"',
                     "'icons/check-80.png' is not an absolute https URL"),
    "remote http app domain": ("<AppDomain>https://", "<AppDomain>http://",
                               "AppDomain: 'http://xlmon.example.gov.cn'"),
    "no FunctionName": (FUNCTION, "", "Action: expected <ov:FunctionName>, found the end"),
    "empty FunctionName": (FUNCTION, "<FunctionName></FunctionName>", "FunctionName: '' has 0 characters"),
    "elements out of order": (LABEL + NEXT + TIP, TIP + NEXT + LABEL, "expected <ov:Label>, found <ov:Supertip>"),
    "required element missing": (TIP, "", "expected <ov:Supertip>, found <ov:Icon>"),
    "unknown element": (ACTION, ACTION + "<Enabled>true</Enabled>", "unexpected <ov:Enabled>"),
    "unknown attribute": (CONTROL, CONTROL.replace(">", ' size="large">'), "unexpected attribute size"),
    "required attribute missing": (IMAGE, IMAGE.replace(' size="80"', ""), "missing attribute size"),
    "integer attribute": (IMAGE, IMAGE.replace("80", "large", 1), "'large' does not match"),
    "icon size missing": (IMAGE, "", "no image of size 80"),
    "unknown xsi:type": (CONTROL, CONTROL.replace("Button", "ToggleButton"),
                         "xsi:type 'ToggleButton', expected one of Button, Menu"),
    "missing xsi:type": ('<Action xsi:type="ExecuteFunction">', "<Action>",
                         "xsi:type missing, expected one of ExecuteFunction"),
    "enumeration": ("<Permissions>ReadWriteDocument<", "<Permissions>ReadWriteAll<", "is not one of Restricted"),
    "pattern": ("<DefaultLocale>zh-CN<", "<DefaultLocale>Chinese<", "DefaultLocale: 'Chinese' does not match"),
    "text in element content": ("<Supertip>", "<Supertip>提示", "text is not allowed here"),
    "element in the wrong namespace": (IMAGE, IMAGE.replace("bt:", ""), "unexpected <ov:Image>"),
    "not well-formed": ("</Supertip>", "</SuperTip>", "not well-formed XML"),
}


@pytest.mark.parametrize("old, new, expected", FAULTS.values(), ids=FAULTS.keys())
def test_validate_manifest_finds_planted_faults(manifest, old, new, expected):
    assert old in manifest
    problems = validate_manifest(manifest.replace(old, new, 1))
    assert any(expected in problem for problem in problems), problems


def test_validate_manifest_wants_an_office_app():
    problems = validate_manifest(f'<OfficeApp xmlns="{OV}"/>')
    assert problems == [f"the root element is {{{OV}}}OfficeApp, not OfficeApp in {OA}"]


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGBA rows of an 8-bit RGBA PNG, checking its structure on the way."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        pos += 12 + length
    assert pos == len(data)
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, color, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, color, compression, filtering, interlace) == (8, 6, 0, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = 1 + 4 * width
    assert len(raw) == height * stride
    assert all(raw[y * stride] == 0 for y in range(height))
    return width, height, [raw[y * stride + 1:(y + 1) * stride] for y in range(height)]


@pytest.mark.parametrize("size", ICON_SIZES)
@pytest.mark.parametrize("icon", ICON_NAMES)
def test_icon_is_a_png_of_its_size(icon, size):
    width, height, rows = read_png(icon_png(icon, size))
    assert (width, height) == (size, size)
    alphas = {row[x] for row in rows for x in range(3, len(row), 4)}
    assert 0 in alphas and 255 in alphas


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icons_are_distinct(size):
    pixels = {icon: b"".join(read_png(icon_png(icon, size))[2]) for icon in ICON_NAMES}
    for a, b in combinations(ICON_NAMES, 2):
        differing = sum(pixels[a][i:i + 4] != pixels[b][i:i + 4] for i in range(0, len(pixels[a]), 4))
        assert differing > size * size // 5, (a, b)


def test_icon_names_and_files():
    assert len(ICON_NAMES) == len(set(ICON_NAMES)) >= 6
    for icon in ICON_NAMES:
        for size in ICON_SIZES:
            assert parse_icon_filename(icon_filename(icon, size)) == (icon, size)
    for name in ["logo-17.png", "chart-16.png", "../logo-16.png", "logo-16.PNG", "logo.png"]:
        assert parse_icon_filename(name) is None
    with pytest.raises(ValueError, match="no icon named"):
        icon_png("chart", 16)
    with pytest.raises(ValueError, match="size"):
        icon_png("logo", 48)


def test_every_image_the_manifest_names_is_served(manifest):
    root = fromstring(manifest)
    urls = [root.find(f"oa:{tag}", NS).get("DefaultValue") for tag in ("IconUrl", "HighResolutionIconUrl")]
    urls += [el.get("DefaultValue") for el in root.iterfind("ov:VersionOverrides/ov:Resources/bt:Images/bt:Image", NS)]
    assert urls[:2] == [f"{BASE}/icons/logo-32.png", f"{BASE}/icons/logo-64.png"]
    for url in urls:
        prefix, _, filename = url.rpartition("/")
        assert prefix == f"{BASE}/icons"
        icon, size = parse_icon_filename(filename)
        assert read_png(icon_png(icon, size))[:2] == (size, size)
