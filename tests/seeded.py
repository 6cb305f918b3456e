"""The cases of a seeded property test: its seeds are salt * 1000 + i for its default count, or for
XLMON_PROPERTY_CASES=n of them, to hunt. A failure names its seed, which reproduces it."""

from __future__ import annotations

import os

CASES = int(os.environ.get("XLMON_PROPERTY_CASES", "0"))


def seeds(default: int, salt: int) -> list[int]:
    return [salt * 1000 + i for i in range(CASES or default)]
