"""A city's finance bureau at real scale, generated for bench_bureau.py: departments' folders of units' workbooks,
each department's summary made by xlmon from them (some through a sub-department's summary), a few units
reporting straight to the bureau, namesake units (信息中心, 机关服务中心（code）) in many departments, a few
departments whose summaries are of another period, and a CSV roster of departments."""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

YEAR, MONTHS, OTHER_MONTHS = 2026, 6, 5
GENERATOR_VERSION = 1

_TOPICS = (
    "教育局", "卫生健康委员会", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源和规划局",
    "生态环境局", "住房和城乡建设局", "交通运输局", "水务局", "农业农村局", "商务局", "文化广电旅游局", "退役军人事务局",
    "应急管理局", "审计局", "市场监督管理局", "体育局", "统计局", "医疗保障局", "城市管理局", "林业局", "科学技术局",
    "工业和信息化局", "发展和改革委员会", "民族宗教事务局", "人民防空办公室", "机关事务管理局", "信访局", "档案馆",
    "地方志办公室", "供销合作社", "气象局", "粮食和物资储备局", "数据资源管理局", "政务服务管理局", "国有资产监督管理委员会",
    "投资促进局", "文学艺术界联合会", "科学技术协会", "总工会", "共青团委员会", "妇女联合会", "残疾人联合会",
    "红十字会", "工商业联合会", "社会科学界联合会", "归国华侨联合会", "住房公积金管理中心", "公共资源交易中心",
    "融媒体中心", "图书馆", "博物馆", "广播电视台", "党校", "行政学院", "职业技术学院", "第一人民医院",
    "中医院", "妇幼保健院", "疾病预防控制中心", "急救中心", "消防救援支队", "人民法院", "人民检察院",
    "政协办公室", "人大常委会办公室", "市委办公室", "市政府办公室", "纪律检查委员会", "组织部", "宣传部",
    "统一战线工作部", "政法委员会", "编制委员会办公室", "机构编制研究中心", "港航管理局", "园林局",
    "城市规划设计研究院", "地震局", "公路事业发展中心", "水文局",
)
_KINDS = ("中心", "站", "所", "队", "院", "馆", "处")


@dataclass
class Unit:
    name: str  # as written on its forms' 预算单位
    code: str
    department: str  # the 主管部门 line of its forms
    months: int
    folder: str  # relative to the data root
    projects: list = field(default_factory=list)

    @property
    def file(self) -> str:
        return f"{self.folder}/{self.name}.xlsx"


@dataclass
class Plan:
    departments: list[dict]  # name, code, label, months, folder, sub (folder or None), units (files)
    straight: list[str]  # units' files sent straight to the bureau
    units: list[Unit]
    roster_extra: list[str]  # departments on the roster that send nothing


def plan(departments: int, seed: int) -> Plan:
    """Who is where: sizes 5-60, namesakes, sub-departments, other periods, units reporting straight."""
    rng = random.Random(seed)
    names = list(_TOPICS[:departments])
    while len(names) < departments:
        names.append(f"第{len(names) + 1}事务局")
    deps, units, straight = [], [], []
    other_period = set(rng.sample(range(departments), max(1, departments // 30)))
    with_sub = set(rng.sample(sorted(set(range(departments)) - other_period), max(1, departments // 10)))
    for i, topic in enumerate(names):
        name, code = f"某市{topic}", f"{101 + i}001"
        label = f"{name}（{code}）"
        months = OTHER_MONTHS if i in other_period else MONTHS
        size = rng.randint(5, 60)
        folder = f"部门/{i + 1:03d}"
        dep = {"name": name, "code": code, "label": label, "months": months, "folder": folder,
               "sub": f"{folder}/二级" if i in with_sub else None, "files": [], "sub_files": []}
        plain = [f"{topic.removesuffix('局').removesuffix('委员会')}第{k}{rng.choice(_KINDS)}" for k in range(1, size + 1)]
        if rng.random() < 0.6:
            plain[rng.randrange(size)] = "信息中心"
        if rng.random() < 0.4:
            plain[rng.randrange(size)] = f"机关服务中心（{code[:3]}{900 + i:03d}）"
        plain[0] = f"{name}（本级）"
        for k, unit_name in enumerate(dict.fromkeys(plain)):
            sub = dep["sub"] and k % 3 == 2
            u = Unit(unit_name, f"{code}{k + 1:03d}", label if rng.random() < 0.8 else name, months,
                     dep["sub"] if sub else folder)
            units.append(u)
            (dep["sub_files"] if sub else dep["files"]).append(u.file)
        deps.append(dep)
    # five small departments whose units send their files straight to the bureau (no department summary)
    for j in range(5):
        name, code = f"某市直属机构{j + 1}", f"{801 + j}001"
        for k in range(rng.randint(1, 3)):
            u = Unit(f"直属机构{j + 1}第{k + 1}中心" if k else name, f"{code}{k + 1:03d}", f"{name}（{code}）", MONTHS, "收件")
            units.append(u)
            straight.append(u.file)
    for u in units:
        u.projects = _projects(u, rng.randrange(10**9))
    return Plan(deps, straight, units, ["某市未报送部门一", "某市未报送部门二"])


def _projects(u: Unit, seed: int):
    from bench_consolidate import demo_projects

    return demo_projects(random.Random(seed), u.name, u.department, u.months)


def write_unit(args: tuple[Path, Unit]) -> int:
    from bench_consolidate import write_forms

    root, u = args
    path = root / u.file
    path.parent.mkdir(parents=True, exist_ok=True)
    write_forms(path, u.projects, u.months)
    return len(u.projects)


def summarise(args: tuple[Path, dict]) -> float:
    """A department's summary (through its sub-department's first, when it has one), as the department makes it."""
    from xlmon.consolidate.run import consolidate

    root, dep = args
    start = time.process_time()
    inputs = [root / f for f in dep["files"]]
    if dep["sub"]:
        sub = root / dep["sub"] / "二级汇总.xlsx"
        consolidate([root / f for f in dep["sub_files"]], sub, workers=1)
        inputs.append(sub)
    consolidate(inputs, root / dep["folder"] / "部门汇总.xlsx", workers=1)
    shutil.copy2(root / dep["folder"] / "部门汇总.xlsx", root / "收件" / f"{dep['name']}汇总.xlsx")
    return time.process_time() - start


def ensure(root: Path, departments: int, seed: int) -> dict:
    """Generate (or reuse) the bureau's data; returns the manifest."""
    manifest = root / "manifest.json"
    want = {"version": GENERATOR_VERSION, "departments": departments, "seed": seed}
    if manifest.exists():
        have = json.loads(manifest.read_text(encoding="utf-8"))
        if {k: have.get(k) for k in want} == want:
            return have
    if root.exists():
        shutil.rmtree(root)
    (root / "收件").mkdir(parents=True)
    p = plan(departments, seed)
    start = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        forms = sum(pool.map(write_unit, [(root, u) for u in p.units], chunksize=20))
        written = time.perf_counter() - start
        list(pool.map(summarise, [(root, d) for d in p.departments]))
    summarised = time.perf_counter() - start - written
    roster = root / "部门名单.csv"
    lines = ["主管部门"] + [d["name"] for d in p.departments] + [f"某市直属机构{j + 1}" for j in range(5)] + p.roster_extra
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    have = {**want, "forms": forms, "units": len(p.units), "generate_s": round(written, 1),
            "summarise_s": round(summarised, 1),
            "unit_files": [u.file for u in p.units], "straight": p.straight,
            "summaries": [f"收件/{d['name']}汇总.xlsx" for d in p.departments],
            "other_period": [d["name"] for d in p.departments if d["months"] != MONTHS],
            "with_sub": [d["name"] for d in p.departments if d["sub"]],
            "roster": roster.name}
    manifest.write_text(json.dumps(have, ensure_ascii=False, indent=1), encoding="utf-8")
    return have
