"""xlmon: budget performance monitoring forms (预算绩效运行监控表) — read, calculate, check.

Kept light: importing xlmon loads nothing heavy (no pandas, no openpyxl).
"""

__version__ = "0.1.0"
