"""A minimal writer for Microsoft compound files (MS-CFB version 3, 512-byte sectors).

Why our own writer: `olefile` (the reader oletools uses) can only overwrite existing streams in
place with data of the same size, it cannot create a file; `ms-cfb` 0.0.x and `ms-ovba` 0.0.1 are
pre-releases whose author reports the vbaProject.bin they write does not yet run in Excel; `cfbwrite`
and `cfb` are new single-author packages without a track record. A vbaProject.bin needs only a
root storage, one sub-storage and a dozen small streams, which is ~150 lines, fully deterministic
(fixed CLSIDs, zero timestamps, sorted directory) and checked in tests by two independent readers
(olefile and oletools' olevba).

Layout written: header | regular-stream sectors | mini-stream sectors | directory | mini FAT | FAT.
Streams shorter than the 4096-byte cutoff live in the mini stream, as the spec requires.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


@dataclass
class Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list["Entry"] = field(default_factory=list)
    # filled in while writing
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    colour: int = BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _key(name: str) -> tuple[int, str]:
    """The directory order of MS-CFB 2.6.4: shorter names first, then by upper-cased UTF-16 text."""
    return (len(name.encode("utf-16-le")), name.upper())


def _tree(entries: list[Entry], depth: int, red_depth: int) -> int:
    """A balanced red-black tree over sorted siblings (middle split: every level is full except
    possibly the deepest, whose nodes are coloured red so that all paths hold as many black nodes)."""
    if not entries:
        return NOSTREAM
    mid = len(entries) // 2
    node = entries[mid]
    node.colour = RED if depth == red_depth else BLACK
    node.left = _tree(entries[:mid], depth + 1, red_depth)
    node.right = _tree(entries[mid + 1:], depth + 1, red_depth)
    return node.sid


def _link(storage: Entry) -> None:
    kids = sorted(storage.children, key=lambda e: _key(e.name))
    n = len(kids)
    levels = n.bit_length()  # depth of the deepest node of a middle-split tree
    full = (1 << levels) - 1 == n
    storage.child = _tree(kids, 1, 0 if full else levels)
    for kid in kids:
        if kid.kind == STORAGE:
            _link(kid)


def _walk(entry: Entry) -> list[Entry]:
    out = [entry]
    for kid in sorted(entry.children, key=lambda e: _key(e.name)):
        out += _walk(kid)
    return out


def _chain(fat: list[int], start: int, count: int, last: int = ENDOFCHAIN) -> None:
    for i in range(count):
        fat[start + i] = start + i + 1 if i < count - 1 else last


def write(root_children: list[Entry]) -> bytes:
    """The bytes of a compound file whose root storage holds `root_children`."""
    for e in _walk(Entry("", ROOT, children=root_children))[1:]:
        if len(e.name) > 31:
            raise ValueError(f"CFB names are at most 31 characters: {e.name!r}")
    root = Entry("Root Entry", ROOT, children=root_children)
    entries = _walk(root)
    for sid, e in enumerate(entries):
        e.sid = sid
    _link(root)

    # regular streams, then the mini stream
    body = bytearray()
    fat: list[int] = []
    mini = bytearray()
    minifat: list[int] = []
    for e in entries:
        if e.kind != STREAM:
            continue
        e.size = len(e.data)
        if e.size == 0:
            e.start = ENDOFCHAIN
        elif e.size < MINI_CUTOFF:
            count = -(-e.size // MINI_SECTOR)
            e.start = len(minifat)
            minifat += [0] * count
            _chain(minifat, e.start, count)
            mini += e.data + b"\0" * (count * MINI_SECTOR - e.size)
        else:
            count = -(-e.size // SECTOR)
            e.start = len(fat)
            fat += [0] * count
            _chain(fat, e.start, count)
            body += e.data + b"\0" * (count * SECTOR - e.size)
    if mini:
        count = -(-len(mini) // SECTOR)
        root.start, root.size = len(fat), len(mini)
        fat += [0] * count
        _chain(fat, root.start, count)
        body += mini + b"\0" * (count * SECTOR - len(mini))

    directory = b"".join(_dir_entry(e) for e in entries)
    unused = -len(entries) % (SECTOR // 128)
    directory += _dir_entry(None) * unused
    dir_start, dir_count = len(fat), len(directory) // SECTOR
    fat += [0] * dir_count
    _chain(fat, dir_start, dir_count)
    body += directory

    if minifat:
        table = minifat + [FREESECT] * (-len(minifat) % (SECTOR // 4))
        minifat_start, minifat_count = len(fat), len(table) * 4 // SECTOR
        fat += [0] * minifat_count
        _chain(fat, minifat_start, minifat_count)
        body += struct.pack(f"<{len(table)}I", *table)
    else:
        minifat_start, minifat_count = ENDOFCHAIN, 0

    # the FAT must also describe its own sectors
    fat_count = 1
    while (len(fat) + fat_count) > fat_count * (SECTOR // 4):
        fat_count += 1
    if fat_count > 109:
        raise ValueError("file too large for a header-only DIFAT")
    fat_start = len(fat)
    fat += [FATSECT] * fat_count
    fat += [FREESECT] * (fat_count * (SECTOR // 4) - len(fat))
    body += struct.pack(f"<{len(fat)}I", *fat)

    difat = list(range(fat_start, fat_start + fat_count)) + [FREESECT] * (109 - fat_count)
    header = (SIGNATURE + b"\0" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, fat_count, dir_start, 0, MINI_CUTOFF,
                            minifat_start, minifat_count, ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == SECTOR
    return header + bytes(body)


def _dir_entry(e: Entry | None) -> bytes:
    if e is None:
        return b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + b"\0" * 16 \
            + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", 0, 0)
    name = e.name.encode("utf-16-le") + b"\0\0"
    start = e.start if e.kind != STORAGE else 0
    size = e.size if e.kind != STORAGE else 0
    if e.kind == ROOT and not e.size:
        start = ENDOFCHAIN
    return (name.ljust(64, b"\0") + struct.pack("<HBBIII", len(name), e.kind, e.colour, e.left, e.right, e.child)
            + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))
