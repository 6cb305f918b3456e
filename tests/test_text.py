"""Tolerant parsing of what people type."""

from __future__ import annotations

import pytest

from xlmon.text import (NotANumber, label_key, parse_amount, parse_measure, parse_number, parse_operator,
                        parse_target)


@pytest.mark.parametrize("raw, expected", [
    (12, 12.0), (1.5, 1.5), ("1,234.50", 1234.5), ("１２３４．５", 1234.5), ("50万元", 50.0),
    (" 7 万 ", 7.0), ("", None), (None, None), ("-", None), ("—", None), ("1,000,000", 1e6), ("-3.5", -3.5),
])
def test_amounts(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["100,5", "12,34", "1,2345", "1,23,456"])
def test_a_comma_that_groups_no_thousands_is_no_number(raw):
    """100,5 is a slip for 100.5 or for 1005: which, only the unit knows (N001), not 1005 in silence."""
    with pytest.raises(NotANumber):
        parse_number(raw)


@pytest.mark.parametrize("raw, expected", [
    ("500000元", (50.0, "元")), ("1,234,567 元", (123.4567, "元")), ("５０００元", (0.5, "元")), ("-20000元", (-2.0, "元")),
    ("50万元", (50.0, "万元")), ("7万", (7.0, "万元")), ("50", (50.0, None)),
    ("5千元", (0.5, "千元")), ("1.5亿元", (15000.0, "亿元")), ("2亿", (20000.0, "亿元")), ("3百万元", (300.0, "百万元")), (12, (12.0, None)), (None, (None, None)),
    ("—", (None, None)),
])
def test_amounts_typed_in_yuan_are_read_in_wan(raw, expected):
    number, unit = parse_amount(raw)
    assert (number, unit) == (pytest.approx(expected[0]) if expected[0] is not None else None, expected[1])
    assert parse_number(raw) == number  # never 500000 万元


@pytest.mark.parametrize("raw", ["完成", "12.5%", "元", "5千万元", "1.2.3元", True])
def test_amount_not_a_number(raw):
    with pytest.raises(NotANumber):
        parse_amount(raw)


@pytest.mark.parametrize("raw", ["50元", "5万元"])
def test_rates_take_no_amount_unit(raw):
    with pytest.raises(NotANumber):
        parse_number(raw, percent=True)


@pytest.mark.parametrize("raw", ["完成", "12.5%", "abc", "1.2.3", True])
def test_not_a_number(raw):
    with pytest.raises(NotANumber):
        parse_number(raw)


@pytest.mark.parametrize("raw, expected", [("12.5%", 0.125), ("１００％", 1.0), (0.45, 0.45), ("45", 45.0)])
def test_rates(raw, expected):
    assert parse_number(raw, percent=True) == pytest.approx(expected)


@pytest.mark.parametrize("raw, op, value, unit", [
    ("≥95%", ">=", 95, "%"), ("≤30天", "<=", 30, "天"), ("＝100%", "=", 100, "%"), ("100人", ">=", 100, "人"),
    ("＞ 80 %", ">", 80, "%"), ("<=5次", "<=", 5, "次"), ("不低于90%", ">=", 90, "%"), (12, ">=", 12, None),
    ("1,200人次", ">=", 1200, "人次"), ("≥１２０户", ">=", 120, "户"),
    # worded bounds, before or after the number, which used to read as ≥ (30天以内) or as qualitative (不大于5%)
    ("30天以内", "<=", 30, "天"), ("5%以下", "<=", 5, "%"), ("3个月内", "<=", 3, "个月"), ("95%以上", ">=", 95, "%"),
    ("1200平方米及以上", ">=", 1200, "平方米"), ("不大于5%", "<=", 5, "%"), ("控制在5%以内", "<=", 5, "%"),
    ("少于3次", "<", 3, "次"), ("最多2次", "<=", 2, "次"), ("10个工作日内", "<=", 10, "个工作日"),
    # a bare 0 is a ceiling: ≥ 0 would hold whatever happened
    ("0起", "<=", 0, "起"), (0, "<=", 0, None), ("≥0起", ">=", 0, "起"),
    # a deadline is a ceiling, and a trailing 完成 is no part of the unit: 12月底前完成 read as ≥ 12 「月底前完成」
    ("12月底前完成", "<=", 12, "月底"), ("6个月内完成", "<=", 6, "个月"), ("30日内完成", "<=", 30, "日"),
    ("30个工作日以内完成", "<=", 30, "个工作日"), ("100%完成", ">=", 100, "%"),
    # units with a superscript, which NFKC makes 「m2」 and left the target qualitative; the indicator's name before it
    ("≥1200㎡", ">=", 1200, "m²"), ("≥500m³", ">=", 500, "m³"), ("≥300m²", ">=", 300, "m²"), ("≥300m2", ">=", 300, "m²"),
    ("合格率≥95%", ">=", 95, "%"), ("合格率不低于95%", ">=", 95, "%"), ("满意度达到90%以上", ">=", 90, "%"),
])
def test_targets(raw, op, value, unit):
    t = parse_target(raw)
    assert (t.operator, t.value, t.unit) == (op, value, unit)


def test_target_columns_and_qualitative():
    t = parse_target(95, "≥", "%")
    assert (t.operator, t.value, t.unit) == (">=", 95, "%")
    t = parse_target("30", "≤", "天")
    assert (t.operator, t.value, t.unit) == ("<=", 30, "天")
    assert parse_target("有效提升", None, None).operator == "qualitative"
    q = parse_target("良好", "定性", None)
    assert (q.operator, q.value) == ("qualitative", None)
    assert parse_target(None) is None and parse_target("  ") is None
    assert parse_operator("＜") == "<" and parse_operator(">=") == ">=" and parse_operator("") is None


def test_measures_and_labels():
    assert parse_measure("96%") == (96, "%") and parse_measure(800) == (800, None)
    assert parse_measure("完成") is None and parse_measure("≥5") is None
    # words around the value that do not change it, which used to make it text (R207) and leave it ungraded
    assert [parse_measure(t) for t in ("约95%", "预计100%", "完成率96%", "95%左右", "96.5%（预计）", "累计完成1676平方米")] == [
        (95, "%"), (100, "%"), (96, "%"), (95, "%"), (96.5, "%"), (1676, "平方米")]
    assert parse_measure("已完成") is None and parse_measure("提前完成") is None
    assert parse_measure("10月底完成") == (10, "月底") and parse_measure("100%完成") == (100, "%")
    assert parse_measure("6月已完成") == (6, "月") and parse_measure("95%已经完成") == (95, "%")
    assert parse_measure("6月底未完成") == (6, "月底未")  # not done: no date done by, nor the unit 月底
    # a "unit" that is a clause is no unit: 6月已完成一期，二期预计明年完成 was 6 in the unit 月已完成一期二期预计明年
    assert [parse_measure(t) for t in ("6月已完成一期，二期预计明年完成", "6月已完成招标", "6月已完工", "3月开工，预计11月完成",
                                       "5个，其余预计明年", "2个项目已于6月完工并投入使用")] == [None] * 6
    assert parse_measure("3个乡镇卫生院") == (3, "个乡镇卫生院") and parse_measure("20个工作日") == (20, "个工作日")
    assert parse_measure("1000㎡") == (1000, "m²") and parse_measure("400m³") == (400, "m³")
    assert parse_measure("合格率≥95%") is None
    assert label_key("项 目 名 称：") == "项目名称"
    assert label_key("县（区）财政资金") == label_key("县(区)财政资金") == "县区财政资金"


def test_plain_number_never_uses_exponents():
    from xlmon.text import plain_number

    assert [plain_number(v) for v in (1234567.0, 95.5, 0.1 + 0.2, -3.0, 12345678901.0, 0.125)] == [
        "1234567", "95.5", "0.3", "-3", "12345678901", "0.125"]


def test_values_are_quoted_as_excel_shows_them():
    import datetime

    from xlmon.text import as_shown

    assert [as_shown(v) for v in (True, False, datetime.datetime(2026, 3, 5), datetime.timedelta(hours=30),
                                  datetime.time(12, 30), " 12元 ")] == [
        "TRUE", "FALSE", "2026-03-05", "30:00:00", "12:30:00", "12元"]
