"""The Office add-in manifest that puts the ribbon tab 绩效监控 into Excel.

Excel reads the manifest once, when the add-in is sideloaded or deployed, and from then on loads
everything from the server it names: the task pane, the function file the ribbon buttons run in,
the icons. So the manifest is built for the address the server is reached at, and checked before
it is handed out: Excel rejects a faulty manifest without saying what is wrong with it.

There is no offline copy of Microsoft's XSDs in a package registry, so `validate_manifest` carries
the part of them a task-pane add-in uses (OfficeApp 1.1, VersionOverrides 1.0, the basic types):
element order and occurrences, required attributes, simple types, xsi:type choices. On top it
checks what the schema cannot: resource references, unique ids, the URLs Office will load.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml.ElementTree import ParseError, fromstring

from xlmon import __version__
from xlmon.server.icons import ICON_NAMES, icon_filename

ADDIN_ID = "9d30d339-a81f-4df6-9acd-a75954524a2a"
DISPLAY_NAME = "xlmon 预算绩效运行监控"
DESCRIPTION = (
    "项目支出绩效运行监控表的计算、校验与汇总：在“绩效监控”选项卡中重新计算小计和支出进度，"
    "运行校验规则并标出问题单元格，把各单位报送的工作簿汇总为部门汇总表。"
)
GET_STARTED = "在“绩效监控”选项卡中计算、校验和汇总项目支出绩效运行监控表。"
PROVIDER = "xlmon"
LOCALE = "zh-CN"
TAB_ID, TAB_LABEL = "xlmon.Tab", "绩效监控"
GROUP_ID, GROUP_LABEL = "xlmon.Group", "预算绩效运行监控"
APP_ICON = "logo"
RIBBON_ICON_SIZES = (16, 32, 80)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

OA = "http://schemas.microsoft.com/office/appforoffice/1.1"
BT = "http://schemas.microsoft.com/office/officeappbasictypes/1.0"
OV = "http://schemas.microsoft.com/office/taskpaneappversionoverrides"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True)
class Button:
    """A ribbon button. With a `function` it runs that function of the function file
    (commands.html), which asks the server to run `script`; without one it opens the task pane."""

    id: str
    label: str
    tooltip: str
    script: str | None
    function: str | None
    icon: str

    @property
    def opens_taskpane(self) -> bool:
        return self.function is None


BUTTONS: tuple[Button, ...] = (
    Button("xlmon.Calculate", "计算", "重新计算小计、资金总额、下达率和支出进度",
           "calculate", "xlmonCalculate", "calculator"),
    Button("xlmon.Validate", "校验", "运行全部校验规则，标出偏差和问题单元格，生成“校验结果”表",
           "validate", "xlmonValidate", "check"),
    Button("xlmon.ClearMarks", "清除标记", "清除校验所做的颜色标记和“校验结果”表",
           "clear_marks", "xlmonClearMarks", "eraser"),
    Button("xlmon.NewProjectForm", "新建项目表", "在本工作簿中新增一张空白项目支出绩效运行监控表",
           "new_project_form", "xlmonNewProjectForm", "new_sheet"),
    Button("xlmon.Consolidate", "汇总", "选择各单位报送的工作簿，汇总为部门汇总表",
           None, None, "sheets"),
    Button("xlmon.Report", "生成报告", "选择工作簿，生成绩效监控分析报告（Word 草稿）",
           None, None, "logo"),
)


def manifest_version(version: str) -> str:
    """Office wants up to four dot-separated numbers: keep a PEP 440 version's release part, padded."""
    parts: list[str] = []
    for part in version.split("."):
        match = re.match(r"\d+", part)
        if not match:
            break
        parts.append(str(int(match[0])))
        if match.end() < len(part):
            break
    return ".".join((parts + ["0"] * 4)[:4])


def url_problem(url: str) -> str | None:
    """Why Office would not load `url`: it must be absolute https, or http on this machine."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return f"{url!r} is not a URL"
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and host in LOCAL_HOSTS:
        return None
    return f"{url!r} is not an absolute https URL (http only for localhost)"


def normalize_base_url(base_url: str) -> str:
    """The server address without a trailing slash; ValueError if Office could not load from it."""
    base = base_url.strip().rstrip("/")
    problem = url_problem(base)
    if problem:
        raise ValueError(problem)
    parts = urlsplit(base)
    if parts.query or parts.fragment:
        raise ValueError(f"{base_url!r}: a base URL has no query or fragment")
    return base


# -- building ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _El:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: tuple[_El, ...] = ()
    text: str | None = None


def _el(tag: str, attrs: dict[str, str] | None = None, *children: _El, text: str | None = None) -> _El:
    return _El(tag, attrs or {}, children, text)


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _lines(el: _El, depth: int = 0) -> list[str]:
    pad = "  " * depth
    head = el.tag + "".join(f' {name}="{_attr(value)}"' for name, value in el.attrs.items())
    if el.text is not None:
        return [f"{pad}<{head}>{escape(el.text)}</{el.tag}>"]
    if not el.children:
        return [f"{pad}<{head}/>"]
    inner = [line for child in el.children for line in _lines(child, depth + 1)]
    return [f"{pad}<{head}>", *inner, f"{pad}</{el.tag}>"]


def _icon(icon: str) -> _El:
    return _el("Icon", None, *(_el("bt:Image", {"size": str(size), "resid": f"Icon.{icon}.{size}"})
                               for size in RIBBON_ICON_SIZES))


def _control(button: Button) -> _El:
    if button.opens_taskpane:
        action = _el("Action", {"xsi:type": "ShowTaskpane"},
                     _el("TaskpaneId", text="xlmon.Taskpane"), _el("SourceLocation", {"resid": "xlmon.Taskpane.Url"}))
    else:
        action = _el("Action", {"xsi:type": "ExecuteFunction"}, _el("FunctionName", text=button.function))
    return _el(
        "Control", {"xsi:type": "Button", "id": button.id},
        _el("Label", {"resid": f"{button.id}.Label"}),
        _el("Supertip", None,
            _el("Title", {"resid": f"{button.id}.Label"}), _el("Description", {"resid": f"{button.id}.Tooltip"})),
        _icon(button.icon),
        action,
    )


def _strings(tag: str, strings: dict[str, str]) -> _El:
    return _el(tag, None, *(_el("bt:String", {"id": key, "DefaultValue": value}) for key, value in strings.items()))


def build_manifest(base_url: str, *, version: str = manifest_version(__version__), addin_id: str = ADDIN_ID,
                   buttons: Sequence[Button] = BUTTONS) -> str:
    """The XML manifest for an xlmon server reached at `base_url`; ValueError if it would not be valid."""
    base = normalize_base_url(base_url)
    undrawn = [b.id for b in buttons if b.icon not in ICON_NAMES]
    if undrawn:
        raise ValueError(f"no icon drawn for button(s) {', '.join(undrawn)}; icons: {', '.join(ICON_NAMES)}")
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    icons = list(dict.fromkeys([APP_ICON, *(b.icon for b in buttons)]))
    urls = {
        "xlmon.Taskpane.Url": f"{base}/taskpane.html",
        "xlmon.Commands.Url": f"{base}/commands.html",
        "xlmon.Help.Url": f"{base}/",
    }
    short = {"xlmon.Tab.Label": TAB_LABEL, "xlmon.Group.Label": GROUP_LABEL, "xlmon.GetStarted.Title": DISPLAY_NAME}
    short |= {f"{b.id}.Label": b.label for b in buttons}
    long = {"xlmon.GetStarted.Description": GET_STARTED}
    long |= {f"{b.id}.Tooltip": b.tooltip for b in buttons}

    def icon_url(icon: str, size: int) -> str:
        return f"{base}/icons/{icon_filename(icon, size)}"

    form_factor = _el(
        "DesktopFormFactor", None,
        _el("GetStarted", None,
            _el("Title", {"resid": "xlmon.GetStarted.Title"}),
            _el("Description", {"resid": "xlmon.GetStarted.Description"}),
            _el("LearnMoreUrl", {"resid": "xlmon.Help.Url"})),
        _el("FunctionFile", {"resid": "xlmon.Commands.Url"}),
        _el("ExtensionPoint", {"xsi:type": "PrimaryCommandSurface"},
            _el("CustomTab", {"id": TAB_ID},
                _el("Group", {"id": GROUP_ID},
                    _el("Label", {"resid": "xlmon.Group.Label"}), _icon(APP_ICON), *map(_control, buttons)),
                _el("Label", {"resid": "xlmon.Tab.Label"}))),
    )
    resources = _el(
        "Resources", None,
        _el("bt:Images", None, *(_el("bt:Image", {"id": f"Icon.{icon}.{size}", "DefaultValue": icon_url(icon, size)})
                                 for icon in icons for size in RIBBON_ICON_SIZES)),
        _el("bt:Urls", None, *(_el("bt:Url", {"id": key, "DefaultValue": value}) for key, value in urls.items())),
        _strings("bt:ShortStrings", short),
        _strings("bt:LongStrings", long),
    )
    root = _el(
        "OfficeApp",
        {"xmlns": OA, "xmlns:xsi": XSI, "xmlns:bt": BT, "xmlns:ov": OV, "xsi:type": "TaskPaneApp"},
        _el("Id", text=addin_id),
        _el("Version", text=version),
        _el("ProviderName", text=PROVIDER),
        _el("DefaultLocale", text=LOCALE),
        _el("DisplayName", {"DefaultValue": DISPLAY_NAME}),
        _el("Description", {"DefaultValue": DESCRIPTION}),
        _el("IconUrl", {"DefaultValue": icon_url(APP_ICON, 32)}),
        _el("HighResolutionIconUrl", {"DefaultValue": icon_url(APP_ICON, 64)}),
        _el("SupportUrl", {"DefaultValue": urls["xlmon.Help.Url"]}),
        _el("AppDomains", None, _el("AppDomain", text=origin)),
        _el("Hosts", None, _el("Host", {"Name": "Workbook"})),
        _el("Requirements", None,
            _el("Sets", {"DefaultMinVersion": "1.1"}, _el("Set", {"Name": "ExcelApi", "MinVersion": "1.9"}))),
        _el("DefaultSettings", None, _el("SourceLocation", {"DefaultValue": urls["xlmon.Taskpane.Url"]})),
        _el("Permissions", text="ReadWriteDocument"),
        _el("VersionOverrides", {"xmlns": OV, "xsi:type": "VersionOverridesV1_0"},
            _el("Hosts", None, _el("Host", {"xsi:type": "Workbook"}, form_factor)),
            resources),
    )
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(_lines(root)) + "\n"
    problems = validate_manifest(xml)
    if problems:
        raise ValueError("invalid add-in manifest:\n" + "\n".join(problems))
    return xml


# -- the schema, as far as a task-pane add-in uses it --------------------------------------------

def _length(lo: int, hi: int | None = None):
    def check(value: str) -> str | None:
        if len(value) < lo or (hi is not None and len(value) > hi):
            return f"has {len(value)} characters, allowed {lo}..{hi if hi is not None else ''}"
        return None
    return check


def _pattern(regex: str):
    def check(value: str) -> str | None:
        return None if re.fullmatch(regex, value) else f"does not match {regex}"
    return check


def _one_of(*values: str):
    def check(value: str) -> str | None:
        return None if value in values else f"is not one of {', '.join(values)}"
    return check


_SIMPLE = {
    "NonEmptyString": _length(1),
    "ShortString": _length(1, 125),
    "LongString": _length(1, 250),
    "AppDomain": _length(1, 250),
    "URL": _length(1, 2048),
    "ReferenceId": _length(1, 32),
    "UUID": _pattern(r"(urn:uuid:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                     r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}"),
    "CultureName": _pattern(r"[a-zA-Z]{2,3}-[a-zA-Z0-9]{3,8}(-[a-zA-Z]{2,3})?"
                            r"|[a-zA-Z]{2,3}(-[a-zA-Z]{2,3}(_tradnl|\.pseudo|-[a-zA-Z]{4,8})?)?"),
    "Version": _pattern(r"[0-9]{1,5}(\.[0-9]{1,5}){0,3}"),
    "ShortVersion": _pattern(r"[0-9]{1,5}\.[0-9]{1,5}"),
    "integer": _pattern(r"[+-]?[0-9]+"),
    "Permissions": _one_of("Restricted", "ReadDocument", "ReadAllDocument", "WriteDocument", "ReadWriteDocument"),
}
_PREFIXES = {"oa": OA, "bt": BT, "ov": OV}


@dataclass(frozen=True)
class _Type:
    """A complex type: a sequence of (element, type, min, max), attributes (name -> (type, required)),
    and for an abstract type the xsi:type values that may stand for it. Opaque content is not checked."""

    sequence: tuple[tuple[str, str, int, int | None], ...] = ()
    attrs: dict[str, tuple[str, bool]] = field(default_factory=dict)
    derived: tuple[str, ...] = ()
    opaque: bool = False


def _t(*particles: str, attrs: str = "", derived: str = "", opaque: bool = False) -> _Type:
    """A type from particles like "ov:Control UIControl +" (occurrence mark as in a regex) and
    attributes like "Name:ShortString MinVersion:ShortVersion?" (optional when marked ?)."""
    occurs = {"": (1, 1), "?": (0, 1), "*": (0, None), "+": (1, None)}
    sequence = []
    for particle in particles:
        name, type_name, *mark = particle.split()
        prefix, local = name.split(":", 1)
        tag = "*{" + local + "}" if prefix == "*" else "{" + _PREFIXES[prefix] + "}" + local
        sequence.append((tag, type_name, *occurs[mark[0] if mark else ""]))
    attributes = {}
    for spec in attrs.split():
        name, type_name = spec.split(":")
        attributes[name] = (type_name.rstrip("?"), not type_name.endswith("?"))
    return _Type(tuple(sequence), attributes, tuple(derived.split()), opaque)


def _override(value_type: str) -> _Type:
    return _t(attrs=f"Locale:CultureName Value:{value_type}")


def _setting(prefix: str, override: str, value_type: str, with_id: bool = False) -> _Type:
    attrs = ("id:ReferenceId " if with_id else "") + f"DefaultValue:{value_type}"
    return _t(f"{prefix}:Override {override} *", attrs=attrs)


def _ui_control(*tail: str) -> _Type:
    return _t("ov:Label ShortRef", "ov:Supertip Supertip", *tail, attrs="id:ShortString")


_TYPES: dict[str, _Type] = {
    "OfficeApp": _t(derived="TaskPaneApp"),
    "TaskPaneApp": _t(
        "oa:Id UUID", "oa:AlternateId NonEmptyString ?", "oa:Version Version", "oa:ProviderName ShortString",
        "oa:DefaultLocale CultureName", "oa:DisplayName ShortSetting", "oa:Description LongSetting",
        "oa:IconUrl URLSetting ?", "oa:HighResolutionIconUrl URLSetting ?", "oa:SupportUrl URLSetting ?",
        "oa:AppDomains AppDomains ?", "oa:Hosts Hosts ?", "oa:Requirements Requirements ?",
        "oa:DefaultSettings TaskPaneAppSettings", "oa:Permissions Permissions", "oa:Dictionary Opaque ?",
        "ov:VersionOverrides VersionOverridesV1_0 ?", "*:http://www.w3.org/2000/09/xmldsig# Opaque ?",
    ),
    "ShortOverride": _override("ShortString"),
    "LongOverride": _override("LongString"),
    "URLOverride": _override("URL"),
    "ShortSetting": _setting("oa", "ShortOverride", "ShortString"),
    "LongSetting": _setting("oa", "LongOverride", "LongString"),
    "URLSetting": _setting("oa", "URLOverride", "URL"),
    "AppDomains": _t("oa:AppDomain AppDomain +"),
    "Hosts": _t("oa:Host Host +"),
    "Host": _t(attrs="Name:ShortString"),
    "Requirements": _t("oa:Sets Sets ?", "oa:Methods Methods ?"),
    "Sets": _t("oa:Set VersionedRequirement +", attrs="DefaultMinVersion:ShortVersion?"),
    "VersionedRequirement": _t(attrs="MinVersion:ShortVersion? Name:ShortString"),
    "Methods": _t("oa:Method Method +"),
    "Method": _t(attrs="Name:LongString"),
    "TaskPaneAppSettings": _t("oa:SourceLocation URLSetting"),
    "Opaque": _t(opaque=True),
    "VersionOverridesV1_0": _t(
        "ov:Description LongRef ?", "ov:Requirements BtRequirements ?", "ov:Hosts OvHosts ?",
        "ov:Resources Resources ?", "ov:WebApplicationInfo Opaque ?", "ov:EquivalentAddins Opaque ?",
        f"*:{OV}/1.1 Opaque ?",
    ),
    "BtRequirements": _t("bt:Sets BtSets"),
    "BtSets": _t("bt:Set VersionedRequirement +", attrs="DefaultMinVersion:ShortVersion?"),
    "OvHosts": _t("ov:Host OvHost +"),
    "OvHost": _t(derived="Workbook Document Presentation Notebook"),
    **{host: _t("ov:AllFormFactors FormFactor ?", "ov:DesktopFormFactor FormFactor ?")
       for host in ("Workbook", "Document", "Presentation", "Notebook")},
    "FormFactor": _t("ov:GetStarted GetStarted ?", "ov:FunctionFile URLRef ?", "ov:ExtensionPoint ExtensionPoint +"),
    "GetStarted": _t("ov:Title ShortRef", "ov:Description LongRef", "ov:LearnMoreUrl URLRef"),
    "ExtensionPoint": _t(derived="PrimaryCommandSurface ContextMenu CustomFunctions"),
    "PrimaryCommandSurface": _t("ov:OfficeTab OfficeTab *", "ov:CustomTab CustomTab *"),
    "ContextMenu": _t("ov:OfficeMenu OfficeMenu +"),
    "CustomFunctions": _t("ov:Script Page", "ov:Page Page", "ov:Metadata Page ?", "ov:Namespace ShortRef ?"),
    "Page": _t("ov:SourceLocation URLRef"),
    "OfficeTab": _t("ov:Group Group +", attrs="id:ShortString"),
    "CustomTab": _t("ov:Group Group +", "ov:Label ShortRef", attrs="id:ShortString"),
    "OfficeMenu": _t("ov:Control UIControl +", attrs="id:ShortString"),
    "Group": _t("ov:Label ShortRef", "ov:Icon IconList", "ov:Control UIControl +", attrs="id:ShortString"),
    "UIControl": _t(derived="Button Menu"),
    "Button": _ui_control("ov:Icon IconList", "ov:Action Action"),
    "Menu": _ui_control("ov:Icon IconList", "ov:Items MenuItems"),
    "MenuItems": _t("ov:Item MenuItem +"),
    "MenuItem": _ui_control("ov:Icon IconList ?", "ov:Action Action"),
    "Supertip": _t("ov:Title ShortRef", "ov:Description LongRef"),
    "Action": _t(derived="ExecuteFunction ShowTaskpane"),
    "ExecuteFunction": _t("ov:FunctionName LongString"),
    "ShowTaskpane": _t("ov:TaskpaneId ShortString ?", "ov:SourceLocation URLRef", "ov:Title ShortRef ?"),
    "IconList": _t("bt:Image ImageRef +"),
    "ImageRef": _t(attrs="resid:ReferenceId size:integer"),
    "ShortRef": _t(attrs="resid:ReferenceId"),
    "LongRef": _t(attrs="resid:ReferenceId"),
    "URLRef": _t(attrs="resid:ReferenceId"),
    "Resources": _t("bt:Images Images ?", "bt:Urls Urls ?", "bt:ShortStrings ShortStrings ?",
                    "bt:LongStrings LongStrings ?"),
    "Images": _t("bt:Image ImageResource *"),
    "Urls": _t("bt:Url UrlResource *"),
    "ShortStrings": _t("bt:String ShortResource *"),
    "LongStrings": _t("bt:String LongResource *"),
    "ImageResource": _setting("bt", "URLOverride", "URL", with_id=True),
    "UrlResource": _setting("bt", "URLOverride", "URL", with_id=True),
    "ShortResource": _setting("bt", "ShortOverride", "ShortString", with_id=True),
    "LongResource": _setting("bt", "LongOverride", "LongString", with_id=True),
}
_REFERENCES = {"ShortRef": "ShortStrings", "LongRef": "LongStrings", "URLRef": "Urls", "ImageRef": "Images"}
_RESOURCES = {"ShortResource": "ShortStrings", "LongResource": "LongStrings", "UrlResource": "Urls",
              "ImageResource": "Images"}
_UI = frozenset({"OfficeTab", "CustomTab", "OfficeMenu", "Group", "Button", "Menu", "MenuItem"})
_XSI_TYPE = "{" + XSI + "}type"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _name(tag: str) -> str:
    """A tag as prefix:name with the prefixes of this module, for messages."""
    namespace, _, local = tag.lstrip("*{").partition("}")
    if tag.startswith("*"):
        return f"any element of {namespace}"
    prefix = next((p for p, uri in _PREFIXES.items() if uri == namespace), namespace)
    return f"{prefix}:{local}"


class _Walk:
    """One pass over the manifest against `_TYPES`, noting what the later checks need."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.references: list[tuple[str, str, str]] = []
        self.resources: list[tuple[str, str, str]] = []
        self.ui_ids: list[tuple[str, str]] = []
        self.urls: list[tuple[str, str]] = []
        self.icon_sizes: list[tuple[set[str], str]] = []

    def simple(self, value: str, type_name: str, where: str) -> None:
        problem = _SIMPLE[type_name](value)
        if problem:
            shown = value if len(value) <= 40 else value[:40] + "…"
            self.errors.append(f"{where}: {shown!r} {problem}")
        if type_name in ("URL", "AppDomain"):
            self.urls.append((value, where))

    def element(self, el: Element, type_name: str, path: str) -> None:
        if type_name in _SIMPLE:
            if len(el) or el.attrib:
                self.errors.append(f"{path}: must hold text only")
            self.simple(el.text or "", type_name, path)
            return
        kind = _TYPES[type_name]
        xsi_type = el.get(_XSI_TYPE)
        chosen = xsi_type.rpartition(":")[2] if xsi_type else None
        if kind.derived:
            if chosen not in kind.derived:
                found = repr(xsi_type) if xsi_type else "missing"
                self.errors.append(f"{path}: xsi:type {found}, expected one of {', '.join(kind.derived)}")
                return
            type_name, kind = chosen, _TYPES[chosen]
        elif chosen not in (None, type_name):
            self.errors.append(f"{path}: xsi:type {xsi_type!r} is not allowed here")
        if kind.opaque:
            return
        for name in el.attrib:
            if name != _XSI_TYPE and name not in kind.attrs:
                self.errors.append(f"{path}: unexpected attribute {_local(name)}")
        for name, (attr_type, required) in kind.attrs.items():
            value = el.get(name)
            if value is None:
                if required:
                    self.errors.append(f"{path}: missing attribute {name}")
            else:
                self.simple(value, attr_type, f"{path}@{name}")
        if (el.text or "").strip() or any((child.tail or "").strip() for child in el):
            self.errors.append(f"{path}: text is not allowed here")
        self.sequence(el, kind, path)
        self.note(el, type_name, path)

    def sequence(self, el: Element, kind: _Type, path: str) -> None:
        """Match the children against the type's sequence; like an XSD validator, stop at the first misfit."""
        children, i = list(el), 0
        for tag, child_type, least, most in kind.sequence:
            count = 0
            while i < len(children) and (most is None or count < most) and self.fits(children[i].tag, tag):
                child = children[i]
                label = child.get("id") or child.get("resid")
                self.element(child, child_type, f"{path}/{_local(child.tag)}" + (f"[{label}]" if label else ""))
                i, count = i + 1, count + 1
            if count < least:
                found = f"<{_name(children[i].tag)}>" if i < len(children) else "the end"
                self.errors.append(f"{path}: expected <{_name(tag)}>, found {found}")
                return
        if i < len(children):
            self.errors.append(f"{path}: unexpected <{_name(children[i].tag)}> (unknown, repeated or out of order)")

    @staticmethod
    def fits(tag: str, wanted: str) -> bool:
        if wanted.startswith("*{"):
            return tag.startswith("{" + wanted[2:-1] + "}")
        return tag == wanted

    def note(self, el: Element, type_name: str, path: str) -> None:
        if type_name in _REFERENCES and el.get("resid"):
            self.references.append((_REFERENCES[type_name], el.get("resid"), path))
        if type_name in _RESOURCES and el.get("id"):
            self.resources.append((_RESOURCES[type_name], el.get("id"), path))
        if type_name in _UI and el.get("id"):
            self.ui_ids.append((el.get("id"), path))
        if type_name == "IconList":
            self.icon_sizes.append(({image.get("size", "") for image in el}, path))


def validate_manifest(xml: str) -> list[str]:
    """Every problem Office would reject the manifest for, or that would break a button; [] if none."""
    try:
        root = fromstring(xml)
    except ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    if root.tag != "{" + OA + "}OfficeApp":
        return [f"the root element is {root.tag}, not OfficeApp in {OA}"]
    walk = _Walk()
    walk.element(root, "OfficeApp", "OfficeApp")
    problems = walk.errors

    defined = Counter((kind, rid) for kind, rid, _ in walk.resources)
    for kind, rid, path in walk.references:
        if not defined[kind, rid]:
            problems.append(f"{path}: resid {rid!r} is not defined in bt:{kind}")
    for rid, count in Counter(rid for _, rid, _ in walk.resources).items():
        if count > 1:
            problems.append(f"resource id {rid!r} is defined {count} times")
    for uid, count in Counter(uid for uid, _ in walk.ui_ids).items():
        if count > 1:
            problems.append(f"control id {uid!r} is used {count} times")
    for url, where in walk.urls:
        problem = url_problem(url)
        if problem:
            problems.append(f"{where}: {problem}")
    for sizes, path in walk.icon_sizes:
        missing = [str(size) for size in RIBBON_ICON_SIZES if str(size) not in sizes]
        if missing:
            problems.append(f"{path}: no image of size {', '.join(missing)}")
    return problems

