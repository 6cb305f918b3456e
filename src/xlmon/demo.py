"""A sample department (某市教育局) and its units' filled monitoring forms, for trying xlmon out.

`generate(folder)` writes one workbook per budget unit. Most units fill our template
(`templates.build_form`); three type the official layout by hand, each in its own way
(`write_handmade`), because that is what a department really receives. A handful of
mistakes seen in real submissions are planted on purpose (see `UNITS`); `build()` also
returns where each one is, so tests and the CLI can show that xlmon finds them.
All data comes from `random.Random(seed)`: the same seed gives the same department.
"""

from __future__ import annotations

import random
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import layout as L
from .templates import (
    INDICATOR_COLS, build_form, new_workbook, put_text, save_atomic, sheet_title,
)

# ---------------------------------------------------------------------------------------------
# Data: the department, its units and their projects.
# ---------------------------------------------------------------------------------------------

DEPARTMENT = ("某市教育局", "101001")

# Marks on a project. Deviations are for the grading feature; error codes are planted mistakes.
LAG, MAYBE, NEVER = "lag", "maybe", "never"  # spending far behind; an indicator 有可能 / 完全不可能
C001, C002, C003, C004 = "C001", "C002", "C003", "C004"  # only on hand-typed forms (ours hold formulas)
N001_SPENT, N001_FORECAST = "N001:spent", "N001:forecast"  # text in an amount cell (template forms)

Style = Literal["template", "shifted", "text", "columns"]

# name, code, how the unit fills its forms, options, projects (kind, *marks).
# Options: "overall" adds a 部门整体 sheet, "notes" adds a 填报说明 sheet that is not a form.
UNITS: tuple[tuple[str, str, Style, tuple[str, ...], tuple[tuple[str, ...], ...]], ...] = (
    ("某市第一中学", "101001001", "template", ("overall",),
     (("building",), ("lab", MAYBE), ("school_training",))),
    ("某市第二中学", "101001002", "template", (),
     (("student_aid",), ("smart_campus", LAG), ("campus_security", N001_FORECAST))),
    ("某市实验小学", "101001003", "template", (),
     (("nutrition",), ("after_school",), ("building", LAG, NEVER))),
    ("某市特殊教育学校", "101001004", "template", ("overall",),
     (("home_teaching",), ("rehab", N001_SPENT))),
    ("某市职业技术学校", "101001005", "shifted", (),
     (("apprenticeship", C001), ("training_base", LAG, MAYBE), ("vocational_grant",))),
    ("某市教育技术装备中心", "101001006", "template", ("notes",),
     (("equipment", NEVER), ("it_maintenance",))),
    ("某市教师发展中心", "101001007", "text", (),
     (("teacher_all", C002), ("master_studio", C004), ("new_teacher",))),
    ("某市学生资助管理中心", "101001008", "template", (),
     (("living_allowance",), ("high_school_grant",), ("loan_risk", MAYBE))),
    ("某市中小学卫生保健所", "101001009", "columns", (),
     (("health_monitor", C003, MAYBE), ("health_checkup", C004))),
    ("某市电化教育站", "101001010", "template", (),
     (("platform",), ("remote_class", LAG))),
    ("某市教育科学研究所", "101001011", "template", (),
     (("curriculum_research",), ("quality_monitor",))),
)

C, P, CITY, COUNTY, OWN, OTHER = L.PROJECT_SOURCES  # 中央 省级 市级 县（区） 单位自筹 其他


@dataclass(frozen=True)
class ProjectKind:
    name: str
    short: str  # the sheet name
    budget: tuple[int, int]  # 本年预算 range, 万元
    sources: tuple[tuple[str, int], ...]  # (row, weight); the first is the main source
    goal: str
    indicators: tuple[tuple[str, ...], ...]  # (二级, 三级, target[, "累计"])


GROWS = "累计"  # a quantity that accumulates over the year (1-XX月 completion ≈ target × 时间进度)

PROJECTS: dict[str, ProjectKind] = {k: ProjectKind(*v) for k, v in {
    "building": ("校舍维修改造项目", "校舍维修改造", (80, 600), ((CITY, 8), (OWN, 2)),
                 "完成教学楼、学生宿舍屋面防水及外墙维修，消除校舍安全隐患，改善师生学习生活条件。",
                 (("数量指标", "维修改造校舍面积", "≥3500平方米", GROWS), ("质量指标", "工程验收合格率", "＝100%"),
                  ("成本指标", "每平方米维修成本", "≤1200元"), ("社会效益指标", "校舍安全隐患", "有效消除"),
                  ("可持续影响指标", "维修后设施使用年限", "≥10年"))),
    "lab": ("教学实验设备购置项目", "实验设备购置", (50, 400), ((CITY, 9), (OWN, 1)),
            "购置理化生实验设备，满足分组实验教学需要，实验开出率达到国家标准。",
            (("数量指标", "购置实验设备台套数", "≥120台套", GROWS), ("质量指标", "设备验收合格率", "＝100%"),
             ("时效指标", "设备到货安装及时率", "≥95%"), ("社会效益指标", "实验教学开出率", "≥98%"),
             ("服务对象满意度指标", "师生满意度", "≥90%"))),
    "school_training": ("教师培训专项经费", "教师培训", (20, 120), ((CITY, 1),),
                        "按教师工资总额的1.5%安排培训经费，开展校本研修和外出学习，提升教师专业能力。",
                        (("数量指标", "培训教师人次", "≥600人次", GROWS), ("质量指标", "培训考核合格率", "≥95%"),
                         ("成本指标", "人均培训成本", "≤1500元"), ("社会效益指标", "教师专业能力", "有效提升"),
                         ("服务对象满意度指标", "参训教师满意度", "≥90%"))),
    "student_aid": ("学生资助专项资金", "学生资助", (60, 300), ((C, 5), (P, 3), (CITY, 2)),
                    "落实各级学生资助政策，做到应助尽助，保障家庭经济困难学生顺利完成学业。",
                    (("数量指标", "资助学生人数", "≥850人"), ("质量指标", "资助对象识别准确率", "＝100%"),
                     ("时效指标", "资助资金发放时限", "≤30天"), ("社会效益指标", "因贫失学现象", "零发生"),
                     ("服务对象满意度指标", "受助学生满意度", "≥95%"))),
    "smart_campus": ("智慧校园建设项目", "智慧校园建设", (150, 800), ((CITY, 7), (OWN, 3)),
                     "建设智慧教室和校园网络，推动信息技术与教育教学深度融合。",
                     (("数量指标", "建设智慧教室间数", "≥24间", GROWS), ("质量指标", "系统平稳运行率", "≥99%"),
                      ("时效指标", "项目按期完工率", "＝100%"), ("可持续影响指标", "信息化教学常态化应用", "明显提升"),
                      ("服务对象满意度指标", "教师满意度", "≥90%"))),
    "campus_security": ("校园安全防范设施建设", "校园安防建设", (40, 200), ((CITY, 1),),
                        "完善校园视频监控、一键报警和周界防护设施，提升校园安全防范能力。",
                        (("数量指标", "新增视频监控点位", "≥160个", GROWS), ("质量指标", "设施验收合格率", "＝100%"),
                         ("社会效益指标", "校园安全责任事故发生数", "＝0起"),
                         ("服务对象满意度指标", "家长满意度", "≥90%"))),
    "nutrition": ("义务教育阶段学生营养改善计划", "营养改善计划", (300, 1200), ((C, 7), (P, 2), (COUNTY, 1)),
                  "为义务教育阶段学生提供营养膳食补助，改善学生营养健康状况。",
                  (("数量指标", "受益学生人数", "≥3200人"), ("质量指标", "食品安全事故发生数", "＝0起"),
                   ("成本指标", "生均膳食补助标准", "＝5元/天"), ("时效指标", "补助资金拨付及时率", "≥95%"),
                   ("社会效益指标", "学生营养健康状况", "明显改善"),
                   ("服务对象满意度指标", "学生及家长满意度", "≥90%"))),
    "after_school": ("课后服务补助经费", "课后服务补助", (30, 150), ((CITY, 6), (OTHER, 4)),
                     "开展义务教育课后服务，解决家长按时接送学生困难。",
                     (("数量指标", "参加课后服务学生人数", "≥1800人"), ("质量指标", "课后服务学生覆盖率", "≥90%"),
                      ("社会效益指标", "家长接送难问题", "有效缓解"),
                      ("服务对象满意度指标", "家长满意度", "≥90%"))),
    "home_teaching": ("特殊教育学生送教上门经费", "送教上门", (20, 80), ((P, 3), (CITY, 7)),
                      "为不能到校就读的重度残疾儿童少年提供送教上门服务，保障其受教育权利。",
                      (("数量指标", "送教上门学生人数", "≥45人"), ("数量指标", "送教上门次数", "≥1080次", GROWS),
                       ("质量指标", "送教计划完成率", "≥95%"), ("社会效益指标", "残疾儿童少年入学率", "≥97%"),
                       ("服务对象满意度指标", "学生家长满意度", "≥95%"))),
    "rehab": ("康复训练设备购置项目", "康复设备购置", (40, 200), ((C, 5), (CITY, 5)),
              "购置感统训练、言语康复等设备，提升学校康复训练能力。",
              (("数量指标", "购置康复训练设备", "≥36台套", GROWS), ("质量指标", "设备验收合格率", "＝100%"),
               ("社会效益指标", "学生康复训练效果", "明显改善"),
               ("服务对象满意度指标", "学生家长满意度", "≥90%"))),
    "apprenticeship": ("现代学徒制试点项目", "现代学徒制试点", (50, 200), ((P, 4), (CITY, 4), (OWN, 2)),
                       "与本地企业联合培养技术技能人才，推进校企协同育人。",
                       (("数量指标", "合作企业数量", "≥12个"), ("数量指标", "参与试点学生人数", "≥240人"),
                        ("质量指标", "职业技能等级证书获取率", "≥85%"), ("经济效益指标", "合作企业录用率", "≥60%"),
                        ("服务对象满意度指标", "合作企业满意度", "≥90%"))),
    "training_base": ("实训基地建设项目", "实训基地建设", (200, 1500), ((C, 3), (P, 3), (CITY, 4)),
                      "建设智能制造和汽修实训基地，满足专业实训教学和社会培训需要。",
                      (("数量指标", "新建实训工位数", "≥320个", GROWS), ("质量指标", "工程及设备验收合格率", "＝100%"),
                       ("时效指标", "项目按期完成率", "＝100%"), ("可持续影响指标", "实训基地使用年限", "≥15年"),
                       ("服务对象满意度指标", "师生满意度", "≥90%"))),
    "vocational_grant": ("中职学生国家助学金", "中职国家助学金", (80, 300), ((C, 8), (P, 1), (CITY, 1)),
                         "按每生每年2000元标准资助家庭经济困难学生，确保资助资金及时足额发放。",
                         (("数量指标", "受助学生人次", "≥1500人次"), ("质量指标", "资助政策知晓率", "≥95%"),
                          ("时效指标", "资金发放及时率", "＝100%"), ("社会效益指标", "家庭经济困难学生就学保障", "有效保障"),
                          ("服务对象满意度指标", "受助学生满意度", "≥95%"))),
    "equipment": ("中小学教学装备配备项目", "教学装备配备", (300, 1800), ((CITY, 6), (COUNTY, 4)),
                  "为农村中小学配备教学仪器、图书和功能室设备，推进义务教育优质均衡发展。",
                  (("数量指标", "配备学校数量", "≥28所", GROWS), ("数量指标", "配备教学仪器设备", "≥2600台套", GROWS),
                   ("质量指标", "装备验收合格率", "＝100%"), ("成本指标", "政府采购节约率", "≥5%"),
                   ("社会效益指标", "中小学装备达标率", "≥95%"), ("服务对象满意度指标", "使用学校满意度", "≥90%"))),
    "it_maintenance": ("教育信息化运维经费", "信息化运维", (60, 250), ((CITY, 1),),
                       "保障教育城域网、数据中心和各类业务系统安全稳定运行。",
                       (("数量指标", "运维终端数量", "≥5200台"), ("质量指标", "网络故障修复率", "≥98%"),
                        ("时效指标", "故障响应时间", "≤2小时"), ("可持续影响指标", "网络安全等级保护", "持续达标"))),
    "platform": ("教育资源公共服务平台运维", "资源平台运维", (50, 200), ((P, 2), (CITY, 8)),
                 "保障市级教育资源公共服务平台稳定运行，汇聚共享优质数字教育资源。",
                 (("数量指标", "平台注册用户数", "≥12万人"), ("质量指标", "平台年度可用率", "≥99.5%"),
                  ("时效指标", "故障响应时间", "≤2小时"), ("社会效益指标", "优质教育资源共享", "有效促进"),
                  ("服务对象满意度指标", "用户满意度", "≥90%"))),
    "remote_class": ("专递课堂建设项目", "专递课堂建设", (100, 500), ((C, 4), (CITY, 6)),
                     "在农村薄弱学校建设专递课堂，帮助其开齐开足开好国家规定课程。",
                     (("数量指标", "建成专递课堂教室", "≥40间", GROWS), ("数量指标", "开课节数", "≥3000节", GROWS),
                      ("质量指标", "设备正常使用率", "≥95%"), ("社会效益指标", "农村薄弱学校课程开设", "明显改善"),
                      ("服务对象满意度指标", "师生满意度", "≥90%"))),
    "teacher_all": ("中小学教师全员培训项目", "教师全员培训", (1000, 1800), ((P, 3), (CITY, 7)),
                    "实施中小学教师全员培训，每名教师年度培训不少于72学时。",
                    (("数量指标", "培训中小学教师", "≥8000人次", GROWS), ("质量指标", "培训合格率", "≥95%"),
                     ("成本指标", "人均培训成本", "≤400元"), ("社会效益指标", "教师教育教学能力", "有效提升"),
                     ("服务对象满意度指标", "参训教师满意度", "≥90%"))),
    "master_studio": ("名师名校长工作室建设经费", "名师工作室建设", (30, 120), ((CITY, 1),),
                      "支持名师名校长工作室开展研修活动，发挥示范引领作用。",
                      (("数量指标", "工作室数量", "＝30个"), ("数量指标", "开展研修活动", "≥120场", GROWS),
                       ("质量指标", "工作室考核合格率", "≥90%"), ("可持续影响指标", "骨干教师梯队", "逐步形成"))),
    "new_teacher": ("新任教师岗前培训", "新任教师培训", (15, 60), ((CITY, 1),),
                    "对新招聘教师开展岗前集中培训和跟岗实践，帮助其尽快适应教学岗位。",
                    (("数量指标", "培训新任教师", "≥450人", GROWS), ("数量指标", "培训课时", "≥120课时", GROWS),
                     ("质量指标", "考核合格率", "≥98%"), ("服务对象满意度指标", "参训教师满意度", "≥90%"))),
    "living_allowance": ("家庭经济困难学生生活补助", "困难学生生活补助", (200, 900), ((C, 5), (P, 2), (CITY, 3)),
                         "为义务教育阶段家庭经济困难寄宿生发放生活补助，减轻家庭负担。",
                         (("数量指标", "补助学生人数", "≥4200人"), ("质量指标", "资助对象精准率", "＝100%"),
                          ("时效指标", "补助资金发放时限", "≤30天"), ("社会效益指标", "因贫辍学现象", "有效杜绝"),
                          ("服务对象满意度指标", "受助学生满意度", "≥95%"))),
    "high_school_grant": ("普通高中国家助学金", "普高国家助学金", (150, 600), ((C, 6), (P, 2), (CITY, 2)),
                          "资助普通高中家庭经济困难学生，平均资助标准每生每年2000元。",
                          (("数量指标", "资助学生人数", "≥3600人"), ("成本指标", "生均资助标准", "＝2000元"),
                           ("时效指标", "资金发放及时率", "＝100%"),
                           ("服务对象满意度指标", "受助学生满意度", "≥95%"))),
    "loan_risk": ("生源地信用助学贷款风险补偿金", "助学贷款风险补偿", (20, 100), ((P, 5), (CITY, 5)),
                  "按规定比例安排风险补偿金，保障生源地信用助学贷款工作持续开展。",
                  (("数量指标", "贷款学生人数", "≥2600人"), ("质量指标", "贷款按期回收率", "≥95%"),
                   ("社会效益指标", "家庭经济困难学生入学", "应贷尽贷"),
                   ("服务对象满意度指标", "贷款学生满意度", "≥90%"))),
    "health_monitor": ("学生常见病监测与干预项目", "常见病监测干预", (30, 150), ((P, 3), (CITY, 7)),
                       "开展学生近视、肥胖等常见病监测与综合干预，降低学生常见病发生率。",
                       (("数量指标", "监测学生人数", "≥12000人", GROWS), ("数量指标", "干预学校数量", "≥40所"),
                        ("质量指标", "监测数据上报准确率", "≥98%"), ("社会效益指标", "学生总体近视率", "≤52%"),
                        ("服务对象满意度指标", "学生家长满意度", "≥90%"))),
    "health_checkup": ("中小学生健康体检经费", "学生健康体检", (80, 300), ((CITY, 7), (COUNTY, 3)),
                       "为全市中小学生开展年度健康体检，建立学生健康档案。",
                       (("数量指标", "体检学生人次", "≥86000人次", GROWS), ("质量指标", "体检覆盖率", "≥98%"),
                        ("成本指标", "生均体检费用", "≤35元"), ("时效指标", "体检结果反馈时限", "≤15天"),
                        ("服务对象满意度指标", "家长满意度", "≥90%"))),
    "curriculum_research": ("基础教育课程改革研究项目", "课程改革研究", (20, 90), ((CITY, 1),),
                            "围绕新课程新教材实施开展专题研究，形成可推广的教学改革成果。",
                            (("数量指标", "立项课题数量", "≥25项"), ("数量指标", "形成研究成果", "≥12篇", GROWS),
                             ("质量指标", "课题结题合格率", "≥90%"), ("可持续影响指标", "课程改革经验推广", "逐步推广"))),
    "quality_monitor": ("教学质量监测经费", "教学质量监测", (40, 160), ((CITY, 8), (COUNTY, 2)),
                        "组织义务教育质量监测，形成监测报告并反馈学校改进教学。",
                        (("数量指标", "参加监测学生人数", "≥24000人", GROWS), ("数量指标", "监测学科", "＝4个"),
                         ("时效指标", "监测报告完成时限", "≤60天"), ("社会效益指标", "监测结果运用", "有效运用"),
                         ("服务对象满意度指标", "学校满意度", "≥90%"))),
}.items()}

# Indicators any project may add (when it has fewer than six).
EXTRA_INDICATORS = (
    ("质量指标", "资金使用合规率", "＝100%"),
    ("时效指标", "资金拨付及时率", "≥95%"),
    ("可持续影响指标", "项目长效管理机制", "逐步健全"),
    ("质量指标", "项目档案资料完整率", "＝100%"),
    ("时效指标", "政府采购按期完成率", "≥95%"),
    ("经济效益指标", "节约运行维护费用", "≥3%"),
    ("社会效益指标", "政策知晓率", "≥90%"),
    ("可持续影响指标", "资产管理制度执行", "持续规范"),
)
FULL_SET = (7, 7, 8, 9)  # seed 001 asks for at least 7 三级; most approved goals have that many
SHORT_SET_SHARE = 0.15  # the rest show the goal-review warnings

# 部门整体: fund-type shares (%), 基本支出 range (万元) and the unit's own indicators.
OVERALL: dict[str, tuple[tuple[tuple[str, int], ...], tuple[int, int], tuple[tuple[str, ...], ...]]] = {
    "某市第一中学": (
        (("一般公共预算资金", 88), ("财政专户管理资金", 7), ("单位资金", 5)), (3800, 5200),
        (("数量指标", "在校学生人数", "≥2400人"), ("质量指标", "教师持证上岗率", "＝100%"),
         ("成本指标", "“三公”经费控制率", "≤100%"), ("社会效益指标", "教育教学质量", "稳步提升"),
         ("服务对象满意度指标", "学生及家长满意度", "≥90%"))),
    "某市特殊教育学校": (
        (("一般公共预算资金", 85), ("政府性基金预算资金", 12), ("单位资金", 3)), (900, 1400),
        (("数量指标", "在校残疾学生人数", "≥260人"), ("质量指标", "教师持证上岗率", "＝100%"),
         ("时效指标", "重点工作按时完成率", "≥95%"), ("社会效益指标", "残疾学生康复和教育水平", "稳步提升"),
         ("服务对象满意度指标", "学生家长满意度", "≥95%"))),
}
OVERALL_GOAL = "保障学校正常运转，全面完成年度教育教学任务，办学条件持续改善，教育教学质量稳步提升。"

LAG_REASONS = (
    "项目招标采购程序尚未完成，资金支付滞后于序时进度。",
    "工程按合同约定验收后集中支付，上半年支付较少。",
    "上半年以前期准备为主，主要支出集中在下半年。",
)
DEVIATION_REASONS = (
    "受政府采购流程延长影响，项目实施进度滞后于计划。",
    "前期论证不充分，年初确定的目标值偏高。",
    "部分学校施工受汛期影响，工期延后。",
    "实施单位内部管理衔接不畅，工作推进较慢。",
    "补助对象认定工作推迟，发放进度滞后。",
)
MEASURES = (
    "拟申请调减预算并相应调整绩效目标。",
    "实行周调度、月通报，加快实施进度；确实无法完成部分按程序调整目标。",
    "暂缓后续资金拨付，督促实施单位整改到位后再行拨付。",
)
NOTES = (
    "填报说明",
    "一、金额单位为万元，保留两位小数。",
    "二、“上年结转”填写上年结余结转到本年继续使用的资金，没有的不填。",
    "三、资金总额、小计、下达率、支出进度由公式自动计算，请勿改动。",
    "四、一级指标、二级指标、三级指标按批复的绩效目标填写，不得擅自调整。",
    "五、完成目标可能性在“确定能、有可能、完全不可能”中选一项打“√”；选择“完全不可能”的，须在备注中说明拟采取的措施。",
    "六、每个项目单独填写一张表，工作表以项目简称命名，请于7月20日前报送主管部门。",
)
N001_TEXT = {N001_SPENT: ("spent", "完成"), N001_FORECAST: ("forecast", "待定")}


# ---------------------------------------------------------------------------------------------
# The generated department, as plain records.
# ---------------------------------------------------------------------------------------------

@dataclass
class Amounts:
    """One funding row in hundredths of 万元, so that totals are exact; None is a blank cell."""

    carryover: int | None = None
    current: int | None = None
    issued: int | None = None
    spent: int | None = None
    forecast: int | None = None

    @property
    def subtotal(self) -> int | None:
        if self.carryover is None and self.current is None:
            return None
        return (self.carryover or 0) + (self.current or 0)

    def values(self) -> dict[str, float | None]:
        """The eight columns as the form shows them: 万元, and rates as fractions."""
        def wan(v: int | None) -> float | None:
            return None if v is None else v / 100
        sub = self.subtotal
        return {
            "carryover": wan(self.carryover), "current": wan(self.current), "subtotal": wan(sub),
            "issued": wan(self.issued),
            "issue_rate": (self.issued or 0) / self.current if self.current else None,
            "spent": wan(self.spent),
            "spend_progress": (self.spent or 0) / sub if sub else None,
            "forecast": wan(self.forecast),
        }


def sum_amounts(rows: list[Amounts]) -> Amounts:
    def total(f: str) -> int | None:
        present = [getattr(r, f) for r in rows if getattr(r, f) is not None]
        return sum(present) if present else None
    return Amounts(**{f: total(f) for f in L.INPUT_AMOUNTS})


@dataclass
class IndicatorData:
    level1: str
    level2: str
    level3: str
    target: str  # as typed: "≥95%", "1200人", "有效提升"
    operator: str | None  # ≥ ≤ ＝, None when qualitative
    value: float | None
    unit: str
    actual: float | str  # a number in `unit`, or qualitative text
    forecast: float | str
    reason: str | None = None
    likelihood: str = "确定能"
    remark: str | None = None

    def shown(self, v: float | str) -> str:
        return v if isinstance(v, str) else f"{number_text(v)}{self.unit}"


@dataclass
class ProjectData:
    name: str
    short: str
    unit: str
    department: str
    goal: str
    funding: dict[str, Amounts]  # every source row, in form order; unused rows are empty
    indicators: list[IndicatorData]
    marks: tuple[str, ...] = ()
    main: str = ""  # the main source row, where row-level mistakes are planted

    @property
    def sheet(self) -> str:
        return sheet_title("project", self.short)

    def total(self) -> Amounts:
        return sum_amounts(list(self.funding.values()))


@dataclass
class OverallData:
    department: str  # the 主管部门（单位）及代码 field
    goal: str
    by_fund: dict[str, Amounts]
    by_spending: dict[str, Amounts]
    indicators: list[IndicatorData]

    @property
    def sheet(self) -> str:
        return sheet_title("department", None)


@dataclass
class UnitData:
    name: str
    code: str
    style: Style
    projects: list[ProjectData]
    overall: OverallData | None = None
    notes: bool = False

    @property
    def file_name(self) -> str:
        return f"{self.name}.xlsx"


@dataclass
class DepartmentData:
    name: str
    code: str
    year: int
    months: int
    units: list[UnitData]

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"

    def projects(self) -> list[ProjectData]:
        return [p for u in self.units for p in u.projects]


@dataclass(frozen=True)
class Planted:
    """A mistake written on purpose: where it is and what xlmon should call it."""

    file: Path
    sheet: str
    cell: str
    code: str
    row: str  # funding row label
    field: str  # funding column (layout field name)
    value: object  # what was written


@dataclass
class Demo:
    paths: list[Path]
    department: DepartmentData
    planted: list[Planted]


# ---------------------------------------------------------------------------------------------
# Making the numbers.
# ---------------------------------------------------------------------------------------------

_TARGET = re.compile(r"^(≥|≤|＝)?(\d+(?:\.\d+)?)(.*)$")
LEVEL1_OF = {l2: l1 for l1, names in L.HIERARCHIES["seed004"].items() for l2 in names}


def number_text(v: float) -> str:
    return str(int(round(v))) if abs(v - round(v)) < 1e-9 else f"{v:.2f}".rstrip("0").rstrip(".")


def _round_for(unit: str, v: float, target: float) -> float:
    if unit == "%" or target < 20:
        return round(v, 1)
    return float(round(v))


def _indicator(rng: random.Random, spec: tuple[str, ...], tp: float, deviate: str | None,
               lag: bool) -> IndicatorData:
    """One row of the indicator table, with completion following the time progress."""
    level2, level3, target = spec[0], spec[1], spec[2]
    grows = len(spec) > 3 and spec[3] == GROWS
    ind = IndicatorData(LEVEL1_OF[level2], level2, level3, target, None, None, "", "", "")
    m = _TARGET.match(target)
    if not m:  # qualitative
        ind.actual = "达成" if tp >= 1 else "部分达成"
        ind.forecast = {None: "达成", MAYBE: "部分达成", NEVER: "未达成"}[deviate]
    else:
        op, value, unit = m.group(1) or "≥", float(m.group(2)), m.group(3)
        ind.operator, ind.value, ind.unit = op, value, unit
        if op == "≥" and rng.random() < 0.3 and unit != "%":
            ind.target = target.removeprefix("≥")  # a bare number means ≥
        if op == "＝" and value == 100 and unit == "%" and rng.random() < 0.4:
            ind.target = "100%"
        r = lambda v: _round_for(unit, v, value)  # noqa: E731
        if unit == "%":  # a rate falls short by points, a count by a share
            points = {None: 0.0, MAYBE: rng.uniform(2, 6), NEVER: rng.uniform(10, 20)}[deviate]
            shortfall = (value - points) / value
        else:
            shortfall = {None: 1.0, MAYBE: rng.uniform(0.86, 0.95), NEVER: rng.uniform(0.5, 0.7)}[deviate]
        if grows:
            share = min(1.0, tp * (rng.uniform(0.4, 0.6) if deviate or lag else rng.uniform(0.85, 1.2)))
            ind.actual = r(value * share)
            ind.forecast = r(value * shortfall) if deviate else value
        elif op == "≤":
            ind.actual = r(value * rng.uniform(0.6, 0.98))
            ind.forecast = r(value * (2 - shortfall)) if deviate else ind.actual
        elif op == "＝":
            ind.actual = value if not deviate else r(value * shortfall)
            ind.forecast = ind.actual
        elif unit == "%":
            best = min(100.0, value + rng.uniform(0, (100 - value) * 0.8))
            ind.actual = r(best) if not deviate else r(value * shortfall)
            ind.forecast = ind.actual
        else:  # a level to hold, e.g. 在校学生人数, 使用年限
            ind.actual = ind.forecast = value if not deviate else r(value * shortfall)
        if lag and grows and not deviate:
            ind.reason = rng.choice(LAG_REASONS)
    if deviate:
        ind.reason = rng.choice(DEVIATION_REASONS)
        ind.likelihood = "有可能" if deviate == MAYBE else "完全不可能"
        ind.remark = rng.choice(MEASURES) if deviate == NEVER else None
    return ind


def _indicators(rng: random.Random, specs: tuple[tuple[str, ...], ...], tp: float, marks: tuple[str, ...],
                extra: bool = True) -> list[IndicatorData]:
    """7-9 rows for most projects, 3-6 for a few, in the order of the form; a deviation lands on a
    数量 row when there is one."""
    chosen = list(specs)
    if extra and rng.random() >= SHORT_SET_SHARE:
        pool = [e for e in EXTRA_INDICATORS if e[1] not in {s[1] for s in chosen}]
        rng.shuffle(pool)
        chosen += pool[: max(rng.choice(FULL_SET) - len(chosen), 0)]
    elif len(chosen) > 4 and rng.random() < 0.3:
        chosen.pop(rng.randrange(1, len(chosen)))
    quantities = [i for i, s in enumerate(chosen) if s[0] == "数量指标"]
    others = [i for i, s in enumerate(chosen) if _TARGET.match(s[2]) and not s[2].endswith("0起")]
    deviations: dict[int, str] = {}
    for mark in (NEVER, MAYBE):
        if mark in marks:
            free = [i for i in quantities if i not in deviations]
            deviations[rng.choice(free or [i for i in others if i not in deviations])] = mark
    rows = [_indicator(rng, s, tp, deviations.get(i), LAG in marks) for i, s in enumerate(chosen)]
    order = list(L.HIERARCHIES[L.DEFAULT_HIERARCHY].items())
    rank = {(l1, l2): (i, j) for i, (l1, names) in enumerate(order) for j, l2 in enumerate(names)}
    return sorted(rows, key=lambda ind: rank[(ind.level1, ind.level2)])


def _money(rng: random.Random, lo: float, hi: float, step: int = 100) -> int:
    """An amount in hundredths of 万元, rounded to `step` (budgets are round, spending is not)."""
    return max(step, round(rng.uniform(lo, hi) * 100 / step) * step)


def _split(rng: random.Random, total: int, weights: list[int], step: int = 100) -> list[int]:
    noisy = [w * rng.uniform(0.8, 1.2) for w in weights]
    parts = [round(total * w / sum(noisy) / step) * step for w in noisy[:-1]]
    return [*parts, total - sum(parts)]


def _funding(rng: random.Random, kind: ProjectKind, marks: tuple[str, ...], tp: float) -> dict[str, Amounts]:
    """Budget across a few sources; 下达 ahead of and 支出 near the time progress (far behind if LAG)."""
    sources = [kind.sources[0]] + [s for s in kind.sources[1:] if rng.random() < 0.75]
    if C002 in marks and len(sources) < 2:
        sources = list(kind.sources[:2])
    step = rng.choice((100, 100, 10, 1))  # most budgets are whole 万元
    currents = _split(rng, _money(rng, *kind.budget, step), [w for _, w in sources], step)
    rows = {label: Amounts() for label in L.PROJECT_SOURCES}
    needs_carryover = any(m in marks for m in (C001, C003, C004))
    for i, ((label, _), current) in enumerate(zip(sources, currents)):
        a = rows[label]
        a.current = current
        if (i == 0 and (needs_carryover or rng.random() < 0.3)) or rng.random() < 0.08:
            a.carryover = _money(rng, current * 0.08 / 100, current * 0.35 / 100, 1)
        if rng.random() < 0.35:
            a.issued = current
        else:
            a.issued = min(current, round(current * (tp + rng.uniform(0.05, 0.45))))
        sub = a.subtotal or 0
        p = tp * rng.uniform(0.15, 0.4) if LAG in marks else tp + rng.uniform(-0.12, 0.1)
        a.spent = min(round(sub * min(max(p, 0.02), 1.0)), (a.carryover or 0) + a.issued)
        if LAG in marks:
            share = rng.uniform(0.75, 0.9)
        else:
            share = 1.0 if rng.random() < 0.45 else rng.uniform(0.95, 0.995)
        a.forecast = max(round(sub * share), a.spent)
    return rows


def _overall(rng: random.Random, unit: str, code: str, projects: list[ProjectData], tp: float) -> OverallData:
    """部门整体: 项目支出 is the sum of the unit's projects; both blocks split the same total."""
    shares, basic_range, specs = OVERALL[unit]
    current = _money(rng, *basic_range)
    issued = min(current, round(current * tp * rng.uniform(1.0, 1.08)))
    basic = Amounts(current=current, issued=issued,
                    spent=min(issued, round(current * tp * rng.uniform(0.95, 1.02))), forecast=current)
    project = sum_amounts([p.total() for p in projects])
    grand = sum_amounts([basic, project])
    by_fund = {label: Amounts() for label in L.DEPARTMENT_FUND_TYPES}
    weights = [w for _, w in shares]
    for f in L.INPUT_AMOUNTS:
        total = getattr(grand, f)
        if total is None:
            continue
        parts = [round(total * w / sum(weights)) for w in weights[:-1]]
        for (label, _), part in zip(shares, [*parts, total - sum(parts)]):
            setattr(by_fund[label], f, part)
    indicators = _indicators(rng, specs, tp, (), extra=False)
    return OverallData(f"{unit}（{code}）", OVERALL_GOAL, by_fund, {"基本支出": basic, "项目支出": project},
                       indicators)


def sample_department(*, year: int = 2026, months: int = 6, seed: int = 7) -> DepartmentData:
    """The whole department as data, before anything is written."""
    if not 1 <= months <= 12:
        raise ValueError(f"months must be 1-12, got {months}")
    rng = random.Random(seed)
    tp = months / 12
    name, code = DEPARTMENT
    dept = DepartmentData(name, code, year, months, [])
    for unit, unit_code, style, options, entries in UNITS:
        projects = []
        for kind_key, *marks in entries:
            kind = PROJECTS[kind_key]
            if style == "template" and any(m.startswith("C") for m in marks):
                raise ValueError(f"{unit}: C-codes need typed totals, plant them on a hand-typed unit")
            if style != "template" and any(m.startswith("N001") for m in marks):
                raise ValueError(f"{unit}: N001 on a typed form would also break its totals")
            projects.append(ProjectData(
                kind.name, kind.short, unit, dept.label, kind.goal,
                _funding(rng, kind, tuple(marks), tp),
                _indicators(rng, kind.indicators, tp, tuple(marks)),
                tuple(marks), kind.sources[0][0]))
        u = UnitData(unit, unit_code, style, projects, notes="notes" in options)
        if "overall" in options:
            u.overall = _overall(rng, unit, unit_code, projects, tp)
        dept.units.append(u)
    return dept


def planted_values(project: ProjectData) -> dict[tuple[str, str], tuple[str, object]]:
    """(row, field) -> (code, wrong value) for the mistakes marked on this project.

    Numbers are in 万元 and rates are fractions; each writer shows them in its own style.
    """
    out: dict[tuple[str, str], tuple[str, object]] = {}
    main = project.funding[project.main].values()
    for mark in project.marks:
        if mark == C001:  # 小计 typed without 上年结转
            out[(project.main, "subtotal")] = (C001, main["current"])
        elif mark == C002:  # 资金总额 missing the last source
            used = [a for a in project.funding.values() if a.current]
            short = (project.total().current or 0) - (used[-1].current or 0)
            out[(L.TOTAL_ROW, "current")] = (C002, short / 100)
        elif mark == C003:  # 下达率 on 小计 instead of 本年预算
            out[(project.main, "issue_rate")] = (C003, (main["issued"] or 0) / main["subtotal"])
        elif mark == C004:  # 支出进度 on 本年预算 instead of 小计
            out[(project.main, "spend_progress")] = (C004, (main["spent"] or 0) / main["current"])
        elif mark in N001_TEXT:
            f, text = N001_TEXT[mark]
            out[(project.main, f)] = ("N001", text)
    return out


# ---------------------------------------------------------------------------------------------
# Writing workbooks: our template.
# ---------------------------------------------------------------------------------------------

def _fill_indicators(ws: Worksheet, rows: list[tuple[str, str, int]], indicators: list[IndicatorData]) -> None:
    """The template pre-fills 一级/二级; put each indicator on a row of its group."""
    queue: dict[tuple[str, str], list[IndicatorData]] = {}
    for ind in indicators:
        queue.setdefault((ind.level1, ind.level2), []).append(ind)
    for level1, level2, r in rows:
        ind = queue[(level1, level2)].pop(0)
        col = {k: get_column_letter(c) for k, c in INDICATOR_COLS.items()}
        put_text(ws, f"{col['level3']}{r}", ind.level3)
        put_text(ws, f"{col['target']}{r}", ind.target)
        put_text(ws, f"{col['actual']}{r}", ind.shown(ind.actual))
        put_text(ws, f"{col['forecast']}{r}", ind.shown(ind.forecast))
        if ind.reason:
            put_text(ws, f"{col['reason']}{r}", ind.reason)
        put_text(ws, f"{col[ind.likelihood]}{r}", L.TICK)
        if ind.remark:
            put_text(ws, f"{col['remark']}{r}", ind.remark)


def _fill_funding(ws: Worksheet, cells: dict[tuple[str, str], dict[str, str]], block: str,
                  rows: dict[str, Amounts], planted: dict[tuple[str, str], tuple[str, object]]) -> None:
    for label, amounts in rows.items():
        for f in L.INPUT_AMOUNTS:
            ref = cells[(block, label)][f]
            if (label, f) in planted:
                put_text(ws, ref, planted[(label, f)][1])
            elif getattr(amounts, f) is not None:
                ws[ref] = getattr(amounts, f) / 100


def write_project_form(ws: Worksheet, project: ProjectData, *, year: int, months: int,
                       hierarchy: str = L.DEFAULT_HIERARCHY) -> dict[tuple[str, str], str]:
    """A project form on our template; returns (row, field) -> cell."""
    counts = Counter((i.level1, i.level2) for i in project.indicators)
    out = build_form(ws, "project", year=year, months=months, project=project.name,
                     department=project.department, unit=project.unit, hierarchy=hierarchy,
                     indicator_counts=dict(counts))
    put_text(ws, out.header["goal"], project.goal)
    _fill_funding(ws, out.funding, "source", project.funding, planted_values(project))
    _fill_indicators(ws, out.indicator_rows, project.indicators)
    return {(label, f): ref for (_, label), cells in out.funding.items() for f, ref in cells.items()}


def write_overall_form(ws: Worksheet, overall: OverallData, *, year: int, months: int,
                       hierarchy: str = L.DEFAULT_HIERARCHY) -> None:
    """A 部门整体 form on our template: block 1 by fund type, block 2 基本/项目支出."""
    counts = Counter((i.level1, i.level2) for i in overall.indicators)
    out = build_form(ws, "department", year=year, months=months, department=overall.department,
                     hierarchy=hierarchy, indicator_counts=dict(counts))
    put_text(ws, out.header["goal"], overall.goal)
    _fill_funding(ws, out.funding, "source", overall.by_fund, {})
    _fill_funding(ws, out.funding, "spending", overall.by_spending, {})
    _fill_indicators(ws, out.indicator_rows, overall.indicators)


def write_notes(ws: Worksheet) -> None:
    """Instructions that name the form's columns in sentences: not a form, xlmon must skip it."""
    for i, line in enumerate(NOTES, start=1):
        put_text(ws, f"A{i}", line)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 80


# ---------------------------------------------------------------------------------------------
# Writing workbooks: the official layout typed by hand.
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Variant:
    """How one unit typed the official layout: where, which labels, how numbers look."""

    name: str
    origin: tuple[int, int]  # (row, column) of the title, 1-based
    title: str  # {unit} {year} {months} are filled in
    period: str | None  # its own line under the title, or None when the title has it
    labels: dict[str, str] = field(default_factory=dict)  # official label -> as typed
    unit_inline: bool = False  # "预算单位：xxx" in one cell
    header_rows: int = 2
    amounts: Literal["number", "text"] = "number"
    rates: Literal["fraction", "text", "points"] = "fraction"
    merge_level1: bool = False
    merge_level2: bool = False
    split_target: bool = False  # 计算符号 | 年度指标值 | 计量单位
    footnote_prefix: str = ""


VARIANTS = {
    # A blank row and column before the form, another title, the period as "1月-6月", spaced labels,
    # rates as 0.00% numbers, 一级/二级 repeated on every row.
    "shifted": Variant("shifted", (2, 2), "{unit}{year}年项目支出绩效运行监控表", "（{year}年1月-{months}月）",
                       {"项目名称": "项 目 名 称", "主管部门及代码": "主管部门及代码：", "预算单位": "预 算 单 位"}),
    # Everything as text: "1,234.50", full-width digits, "45.50%"; one header row; merged 一级/二级.
    "text": Variant("text", (1, 1), "项目支出绩效运行监控表", "（{fyear}年１-{fmonths}月）",
                    {"项目名称": "项目名称：", "资金总额": "资金总额:", "县（区）财政资金": "县(区)财政资金"},
                    unit_inline=True, header_rows=1, amounts="text", rates="text",
                    merge_level1=True, merge_level2=True, footnote_prefix="注："),
    # Period in the title, 计算符号/计量单位 columns, rates in percentage points, completion as numbers.
    "columns": Variant("columns", (1, 1), "项目支出绩效运行监控表（{year}年1-{months}月）", None,
                       {"项目名称": "项 目 名 称", "资金总额": "资 金 总 额", "县（区）财政资金": "县财政资金"},
                       rates="points", merge_level1=True, split_target=True),
}

_FULL = str.maketrans("0123456789.", "０１２３４５６７８９．")
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(vertical="center", wrap_text=True)


def full_width(text: str) -> str:
    return text.translate(_FULL)


def _amount(variant: Variant, v: float | str | None) -> object:
    if v is None:
        return None
    if variant.amounts == "number" or isinstance(v, str):  # a planted text (完成, 见附件) is typed as it is
        return v
    text = f"{v:,.2f}"
    return full_width(text) if v < 100 else text  # small sums typed with the IME in full-width mode


def _rate(variant: Variant, v: float | None) -> object:
    if v is None:
        return None
    if variant.rates == "fraction":
        return round(v, 4)
    if variant.rates == "points":
        return round(v * 100, 2)
    return f"{v * 100:.2f}%"


def write_handmade(ws: Worksheet, project: ProjectData, variant: Variant | str, *, year: int,
                   months: int) -> dict[tuple[str, str], str]:
    """The official layout typed with openpyxl, not our template; returns (row, field) -> cell.

    小计, 资金总额 and the rates are typed numbers (or text), so mistakes in them stay visible.
    """
    v = VARIANTS[variant] if isinstance(variant, str) else variant
    top, c = v.origin
    width = 14 if v.split_target else 12
    label = lambda text: v.labels.get(text, text)  # noqa: E731
    cells: dict[tuple[str, str], str] = {}

    def put(r: int, col: int, value: object, fmt: str | None = None, *, to_col: int | None = None,
            to_row: int | None = None) -> str:
        ref = f"{get_column_letter(col)}{r}"
        if (to_col or col) != col or (to_row or r) != r:
            ws.merge_cells(start_row=r, start_column=col, end_row=to_row or r, end_column=to_col or col)
        for rr in range(r, (to_row or r) + 1):
            for cc in range(col, (to_col or col) + 1):
                ws.cell(rr, cc).border = _BOX
                ws.cell(rr, cc).alignment = _WRAP
        if value is not None:
            put_text(ws, ref, value)
        if fmt:
            ws[ref].number_format = fmt
        return ref

    last = c + width - 1
    fyear, fmonths = full_width(str(year)), full_width(str(months))
    ws.cell(top, c).value = v.title.format(unit=project.unit, year=year, months=months)
    ws.merge_cells(start_row=top, start_column=c, end_row=top, end_column=last)
    ws.cell(top, c).font = Font(bold=True, size=15)
    r = top + 1
    if v.period:
        ws.cell(r, c).value = v.period.format(year=year, months=months, fyear=fyear, fmonths=fmonths)
        r += 1
    put(r, c, label("项目名称"), to_col=c + 1)
    put(r, c + 2, project.name, to_col=last)
    r += 1
    put(r, c, label("主管部门及代码"), to_col=c + 1)
    put(r, c + 2, project.department, to_col=c + 6)
    if v.unit_inline:
        put(r, c + 7, f"预算单位：{project.unit}", to_col=last)
    else:
        put(r, c + 7, label("预算单位"))
        put(r, c + 8, project.unit, to_col=last)
    r += 1

    # Funding block.
    head = r
    rows = [L.TOTAL_ROW, *L.PROJECT_SOURCES]
    first_data = head + v.header_rows
    put(head, c, "项目资金预算安排及执行进度（万元）", to_row=first_data + len(rows) - 1)
    put(head, c + 1, None, to_col=c + 2, to_row=first_data - 1)
    headers = {col.field: L.with_months(col.header, months) for col in L.FUNDING_COLUMNS}
    if v.header_rows == 2:
        put(head, c + 3, "年度预算资金安排", to_col=c + 5)
        for i, f in enumerate(("carryover", "current", "subtotal")):
            put(head + 1, c + 3 + i, headers[f])
    else:
        headers["subtotal"] = "小计（安排数）"
        for i, f in enumerate(("carryover", "current", "subtotal")):
            put(head, c + 3 + i, headers[f])
    for i, f in enumerate(("issued", "issue_rate", "spent", "spend_progress")):
        put(head, c + 6 + i, headers[f], to_row=first_data - 1)
    put(head, c + 10, headers["forecast"], to_col=c + 11, to_row=first_data - 1)
    typed = {L.TOTAL_ROW: project.total().values(), **{k: a.values() for k, a in project.funding.items()}}
    for (row, f), (_, bad) in planted_values(project).items():
        typed[row][f] = bad
    columns = [col.field for col in L.FUNDING_COLUMNS]
    for i, row in enumerate(rows):
        rr = first_data + i
        shown = f"其中：{label(row)}" if i == 1 else label(row)
        put(rr, c + 1, shown, to_col=c + 2)
        for j, f in enumerate(columns):
            value = typed[row][f]
            if f in L.RATE_FIELDS:
                fmt = {"fraction": "0.00%", "points": "0.00", "text": None}[v.rates]
                ref = put(rr, c + 3 + j, _rate(v, value), fmt)
            else:
                fmt = "#,##0.00" if v.amounts == "number" else None
                ref = put(rr, c + 3 + j, _amount(v, value), fmt, to_col=c + 11 if f == "forecast" else None)
            cells[(row, f)] = ref
    r = first_data + len(rows)

    put(r, c, "项目年度绩效目标", to_col=c + 1)
    put(r, c + 2, project.goal, to_col=last)
    ws.row_dimensions[r].height = 45
    r += 1

    # Indicator table.
    if v.split_target:
        keys = ("level1", "level2", "level3", "operator", "target", "unit", "actual", "forecast", "reason")
        titles = {"operator": "计算符号", "unit": "计量单位"}
    else:
        keys = ("level1", "level2", "level3", "target", "actual", "forecast", "reason")
        titles = {}
    titles.update({k: L.with_months(t, months) for k, t in L.INDICATOR_HEADERS})
    col_of = {k: c + 1 + i for i, k in enumerate(keys)}
    tick_col = c + 1 + len(keys)
    remark_col = tick_col + 3
    table = r
    start = table + 2
    put(table, c, "绩效指标", to_row=start + len(project.indicators) - 1)
    for k in keys:
        put(table, col_of[k], titles[k], to_row=table + 1)
    put(table, tick_col, titles["likelihood"], to_col=tick_col + 2)
    for i, name in enumerate(L.LIKELIHOODS):
        put(table + 1, tick_col + i, name)
    put(table, remark_col, titles["remark"], to_row=table + 1)
    for i, ind in enumerate(project.indicators):
        rr = start + i
        prev = project.indicators[i - 1] if i else None
        for key, merge in (("level1", v.merge_level1), ("level2", v.merge_level2)):
            same = prev is not None and getattr(prev, key) == getattr(ind, key) and prev.level1 == ind.level1
            if merge and same:
                continue
            span = 1
            while merge and i + span < len(project.indicators):
                nxt = project.indicators[i + span]
                if getattr(nxt, key) != getattr(ind, key) or nxt.level1 != ind.level1:
                    break
                span += 1
            put(rr, col_of[key], getattr(ind, key), to_row=rr + span - 1)
        put(rr, col_of["level3"], ind.level3)
        if v.split_target:
            if ind.operator is None:
                put(rr, col_of["operator"], "定性")
                put(rr, col_of["target"], ind.target)
            else:
                put(rr, col_of["operator"], ind.operator if ind.target[0] in "≥≤＝" else None)
                put(rr, col_of["target"], ind.value)
                put(rr, col_of["unit"], ind.unit)
            for k in ("actual", "forecast"):
                value = getattr(ind, k)
                if k == "actual" and ind.level2 == "数量指标" and not isinstance(value, str):
                    value = full_width(number_text(value))  # counts typed in full-width mode
                put(rr, col_of[k], value)
        else:
            put(rr, col_of["target"], ind.target)
            put(rr, col_of["actual"], ind.shown(ind.actual))
            put(rr, col_of["forecast"], ind.shown(ind.forecast))
        put(rr, col_of["reason"], ind.reason)
        for j, name in enumerate(L.LIKELIHOODS):
            put(rr, tick_col + j, L.TICK if ind.likelihood == name else None)
        put(rr, remark_col, ind.remark)
    r = start + len(project.indicators)
    for i, note in enumerate(L.FOOTNOTES):
        put_text(ws, f"{get_column_letter(c)}{r + i}", (v.footnote_prefix if i == 0 else "") + note)
    for i in range(1, last + 1):
        ws.column_dimensions[get_column_letter(i)].width = 4 if i < c else (16 if i in (c + 2, c + 3) else 11)
    return cells


# ---------------------------------------------------------------------------------------------
# The department on disk.
# ---------------------------------------------------------------------------------------------

def _write_unit(unit: UnitData, folder: Path, year: int, months: int) -> tuple[Path, list[Planted]]:
    wb = new_workbook()
    path = folder / unit.file_name
    planted: list[Planted] = []
    if unit.notes:
        write_notes(wb.create_sheet("填报说明"))
    if unit.overall:
        write_overall_form(wb.create_sheet(unit.overall.sheet), unit.overall, year=year, months=months)
    for project in unit.projects:
        ws = wb.create_sheet(project.sheet)
        if unit.style == "template":
            cells = write_project_form(ws, project, year=year, months=months)
        else:
            cells = write_handmade(ws, project, unit.style, year=year, months=months)
        for (row, f), (code, value) in planted_values(project).items():
            planted.append(Planted(path, ws.title, cells[(row, f)], code, row, f, value))
    wb.properties.description = DEMO_MARK
    return save_atomic(wb, path), planted


DEMO_MARK = "xlmon 示例部门：虚构数据"  # each sample workbook's description (文件属性 › 摘要)
SUMMARY_NAME = "部门汇总.xlsx"  # the sample's summary (cmd_demo), which consolidate itself keeps from being lost
_WORKBOOKS = {".xlsx", ".xlsm", ".xls", ".et", ".xlsb", ".ods"}


class FolderTaken(ValueError):
    """The folder holds workbooks the sample did not write: they would be replaced or mixed with made-up units."""


def _ours(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as package:
            return DEMO_MARK in package.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def build(folder: str | Path, *, year: int = 2026, months: int = 6, seed: int = 7) -> Demo:
    """Write the department into `folder`; also say what was generated and where the mistakes are. A folder with
    workbooks of somebody's own (a department's real submissions, one perhaps named as a sample unit) is refused."""
    from .consolidate.run import is_summary  # an xlmon summary (部门汇总（2）.xlsx, as the ribbon's 汇总 names the
    # next) is no unit's file, and consolidate keeps an edited one from being lost

    folder = Path(folder)
    dept = sample_department(year=year, months=months, seed=seed)
    if folder.is_dir():
        ours = {u.file_name for u in dept.units}
        names = {p.name for p in folder.iterdir()}
        earlier = ours <= names  # the sample written by a version that did not mark its files yet
        foreign = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in _WORKBOOKS
                         and not p.name.startswith("~$") and not (earlier and p.name in ours)
                         and not _ours(p) and not is_summary(p))
        if foreign:
            raise FolderTaken(f"文件夹 {folder} 中已有不是示例生成的工作簿（{'、'.join(foreign[:3])}"
                              f"{' 等' if len(foreign) > 3 else ''}），示例不会覆盖它们，也不会把虚构的单位混进去。"
                              "请换一个新的或空的文件夹。")
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    planted: list[Planted] = []
    for unit in dept.units:
        path, marks = _write_unit(unit, folder, year, months)
        paths.append(path)
        planted += marks
    return Demo(paths, dept, planted)


def generate(folder: str | Path, *, year: int = 2026, months: int = 6, seed: int = 7) -> list[Path]:
    """Write one workbook per unit of the sample department into `folder`; returns their paths."""
    return build(folder, year=year, months=months, seed=seed).paths
