"""Damage inside a legacy .xls (Excel 97-2003, BIFF8): good unit workbooks (a hand-typed grid, xlmon's own forms of
a unit) saved as .xls by LibreOffice once, then seeded mutations of their bytes. In the Workbook stream's BIFF
records: a record's length field too large, too small or zero, a record cut short, records duplicated, dropped
or swapped, BOUNDSHEET offsets past the stream or into the middle of a record, an SST's count lying by billions,
CONTINUE records dropped, DIMENSIONS absurd, cells (ROW, MULRK, FORMULA, LABELSST, NUMBER, BOOLERR) placed beyond
a sheet or with bodies cut short, NAME records garbled or a _FilterDatabase naming no sheet, a FILTERMODE with no
_FilterDatabase, a BOF of BIFF5, an EOF missing, and bytes flipped at random. In the compound file: the
Workbook stream written again into a compound file of xlmon's own (compound_file, so that a stream of any size
fits) whose sector chain is broken, loops, whose stream's size lies, whose stream is named "Book", whose header
lies; and bytes of LibreOffice's own file flipped at random.

What must hold, for each: the file is read (and checked) or refused with a catalogue F-code whose message is
Chinese, within seconds and bounded memory; `xlmon check --format json` of a folder of it and a good .xls exits 0
or 1, with the good file's entry as it is alone and the damaged file listed; `xlmon consolidate` of the folder
exits 0, the good file's records and unit totals as alone, the damaged file included or rejected with a Chinese
reason. F013 (an unforeseen error) fails the case. Each case runs in a child process (an abort in python-calamine
would end pytest); a failure names its seed and its mutations. XLMON_PROPERTY_CASES=n runs n cases.

What may differ, and why: a mutation that leaves a well-formed but different workbook (a duplicated or swapped
record, a byte flipped inside a text or a number, a shorter stream still ending in EOF) may be read, its values
then what the damaged file says; only that it is read or refused in words is asserted. A file rewritten by
compound_file carries no SummaryInformation, so it says nothing of when it was saved (as an .xls saved by an
older program); the good file's records do not depend on it."""

from __future__ import annotations

import json
import random
import struct
from pathlib import Path

import olefile
import pytest

from conftest import libreoffice_convert
from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from seeded import seeds
from test_check import write_grid
from test_xml_damage_properties import assert_handled, run_child, template_unit

SALT = 102
KNOWN = {"F002", "F003", "F004", "F005", "F010"}  # what a damaged .xls may be refused as
SECONDS = 5.0
PEAK_MB = 200
GOOD_UNIT = "某市第二中学"

_BOF, _EOF, _BOUNDSHEET, _SST, _CONTINUE, _EXTSST = 0x0809, 0x000A, 0x0085, 0x00FC, 0x003C, 0x00FF
_DIMENSIONS, _MULRK, _FORMULA, _BOOLERR, _ROW, _NAME, _FILTERMODE = 0x0200, 0x00BD, 0x0006, 0x0205, 0x0208, 0x0018, 0x009B
_LABELSST, _NUMBER, _RK, _BLANK, _MULBLANK, _STRING = 0x00FD, 0x0203, 0x027E, 0x0201, 0x00BE, 0x0207
_CELLS = (_MULRK, _FORMULA, _BOOLERR, _LABELSST, _NUMBER, _RK, _BLANK, _MULBLANK)


# ------------------------------------------------------------------------------------------- the workbooks


@pytest.fixture(scope="module")
def saved(tmp_path_factory, soffice) -> dict[str, Path]:
    """The sound .xls files, by name, "good" among them: each converted once by LibreOffice."""
    folder = tmp_path_factory.mktemp("xls-bases")
    made = [write_grid(folder / "handmade.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS),
                       "表1")]
    made.append(template_unit(folder / "template.xlsx"))
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, project="道路养护项目", unit=GOOD_UNIT)
    made.append(write_grid(folder / "good.xlsx", grid, "表1"))
    return {p.stem: p for p in libreoffice_convert(soffice, made, folder / "xls", "xls:MS Excel 97")}


@pytest.fixture(scope="module")
def bases(saved) -> dict[str, tuple[bytes, bytes]]:
    """Each damaged-to-be file's bytes and its Workbook stream."""
    out = {}
    for name, path in saved.items():
        if name != "good":
            with olefile.OleFileIO(str(path)) as ole:
                out[name] = (path.read_bytes(), ole.openstream("Workbook").read())
    return out


# ------------------------------------------------------------------------------------ a compound file of our own

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


class Compound:
    """A compound file (version 3, 512-byte sectors) of one stream in regular sectors, laid out as stream sectors,
    one directory sector, then the FAT: its parts kept apart so that a mutation can lie in any of them."""

    def __init__(self, stream: bytes, name: str = "Workbook"):
        self.stream = stream + bytes(max(0, 4096 - len(stream)))  # below 4096 a stream lives in the mini stream
        self.name, self.size = name, len(self.stream)
        self.data_sectors = -(-self.size // 512)
        self.fat_sectors = 1
        while self.fat_sectors * 128 < self.data_sectors + 1 + self.fat_sectors:
            self.fat_sectors += 1
        self.dir_sector = self.data_sectors
        self.fat = [*range(1, self.data_sectors), _END, _END] + [_FATSECT] * self.fat_sectors
        self.fat += [_FREE] * (self.fat_sectors * 128 - len(self.fat))
        self.header_fields = {"shift": 9, "fat_count": self.fat_sectors, "dir_start": self.dir_sector,
                              "cutoff": 4096, "minifat_start": _END, "difat_start": _END, "difat_count": 0}
        self.start = 0

    def _entry(self, name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return struct.pack("<64sHBBIII16sIQQIQ", raw, len(raw), kind, 1, _NOSTREAM, _NOSTREAM, child, bytes(16), 0, 0,
                           0, start, size)

    def build(self) -> bytes:
        h = self.header_fields
        header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", bytes(16), 0x3E, 3,
                             0xFFFE, h["shift"], 6, bytes(6), 0, h["fat_count"], h["dir_start"], 0, h["cutoff"],
                             h["minifat_start"], 0, h["difat_start"], h["difat_count"])
        difat = [self.data_sectors + 1 + i for i in range(self.fat_sectors)]
        header += struct.pack("<109I", *(difat + [_FREE] * (109 - len(difat))))
        body = self.stream + bytes(self.data_sectors * 512 - len(self.stream))
        directory = (self._entry("Root Entry", 5, 1, _END, 0) + self._entry(self.name, 2, _NOSTREAM, self.start, self.size)
                     + self._entry("", 0, _NOSTREAM, 0, 0) * 2)
        fat = struct.pack(f"<{len(self.fat)}I", *self.fat)
        return header + body + directory + fat


# ------------------------------------------------------------------------------------------- BIFF records


class Records:
    """The Workbook stream as a list of [kind, data, tag] records: a sheet's BOF tagged with its index, so that
    BOUNDSHEET offsets follow the sheets when records change size (unless `keep_offsets`)."""

    def __init__(self, stream: bytes):
        self.items: list[list] = []
        at, starts = 0, {}
        while at + 4 <= len(stream):
            kind, length = struct.unpack_from("<HH", stream, at)
            starts[at] = len(self.items)
            self.items.append([kind, bytes(stream[at + 4:at + 4 + length]), None])
            at += 4 + length
        self.tail = stream[at:]
        sheets = [struct.unpack_from("<I", d)[0] for k, d, _ in self.items if k == _BOUNDSHEET]
        for i, position in enumerate(sheets):
            if position in starts:
                self.items[starts[position]][2] = i
        self.keep_offsets = False

    def indexes(self, *kinds: int) -> list[int]:
        return [i for i, (k, _, _) in enumerate(self.items) if not kinds or k in kinds]

    def sheet_range(self) -> range:
        """The records after the globals' EOF."""
        first = next((i for i, (k, _, _) in enumerate(self.items) if k == _EOF), 0)
        return range(first + 1, len(self.items))

    def build(self) -> bytes:
        out, where = bytearray(), {}
        for kind, data, tag in self.items:
            if tag is not None:
                where.setdefault(tag, len(out))
            out += struct.pack("<HH", kind, len(data) & 0xFFFF) + data
        out += self.tail
        if not self.keep_offsets:
            at, sheet = 0, 0
            while at + 4 <= len(out):
                kind, length = struct.unpack_from("<HH", out, at)
                if kind == _BOUNDSHEET and length >= 4:
                    if sheet in where:
                        struct.pack_into("<I", out, at + 4, where[sheet])
                    sheet += 1
                at += 4 + length
        return bytes(out)


def _choose(rng, records: Records, kinds: tuple[int, ...]) -> int | None:
    found = records.indexes(*kinds)
    return rng.choice(found) if found else None


def _name(kind: int) -> str:
    return f"0x{kind:04X}"


INTERESTING = (_BOF, _EOF, _BOUNDSHEET, _SST, _DIMENSIONS, *_CELLS, _ROW, _NAME, _FILTERMODE, _STRING, 0x00E5, 0x00E0,
               0x0031, 0x041E, 0x0092, 0x0293, _EXTSST, 0x023E, 0x0225, 0x007D)


def length_field(rng, records: Records, raw: bytearray):
    positions, at = [], 0
    while at + 4 <= len(raw):
        kind, length = struct.unpack_from("<HH", raw, at)
        positions.append((at, kind, length))
        at += 4 + length
    at, kind, length = rng.choice([p for p in positions if p[1] in INTERESTING] or positions)
    new = rng.choice([0, max(0, length - 1), length + 1, length + 7, 0xFFFF, 8224, length * 2 & 0xFFFF])
    struct.pack_into("<H", raw, at + 2, new)
    return f"record {_name(kind)} at {at}: length {length} -> {new}"


def flip(rng, records, raw: bytearray):
    done = []
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(raw) - 4)
        if rng.random() < 0.6:
            raw[at] ^= 1 << rng.randrange(8)
            done.append(f"bit@{at}")
        else:
            value = rng.choice([0xFFFFFFFF, 0x7FFFFFFF, 0x10000, 0, 1, 0x80000000])
            struct.pack_into("<I", raw, at, value)
            done.append(f"{value:#x}@{at}")
    return "stream bytes " + " ".join(done)


RAW = (length_field, flip)  # mutations of the built stream's bytes, after those of its records


def cut_short(rng, records: Records):
    i = _choose(rng, records, INTERESTING)
    kind, data, _ = records.items[i]
    keep = rng.randrange(len(data)) if data else 0
    records.items[i][1] = data[:keep]
    return f"record {_name(kind)} #{i} cut to {keep} of {len(data)} bytes"


def duplicate(rng, records: Records):
    i = _choose(rng, records, INTERESTING)
    kind, data, _ = records.items[i]
    records.items.insert(i + rng.choice((0, 1, 2)), [kind, data, None])
    return f"record {_name(kind)} #{i} duplicated"


def drop(rng, records: Records):
    i = _choose(rng, records, INTERESTING)
    kind = records.items[i][0]
    tag = records.items.pop(i)[2]
    if tag is not None and i < len(records.items):
        records.items[i][2] = tag
    return f"record {_name(kind)} #{i} dropped"


def swap(rng, records: Records):
    i = _choose(rng, records, INTERESTING)
    j = min(len(records.items) - 1, i + 1) if rng.random() < 0.6 else rng.randrange(len(records.items))
    a, b = records.items[i], records.items[j]
    records.items[i], records.items[j] = [b[0], b[1], a[2]], [a[0], a[1], b[2]]
    return f"records #{i} {_name(a[0])} and #{j} {_name(b[0])} swapped"


def sheet_offset(rng, records: Records):
    i = _choose(rng, records, (_BOUNDSHEET,))
    stream_size = len(records.build())
    choice = rng.choice(["past", "far", "middle", "zero", "max"])
    old = struct.unpack_from("<I", records.items[i][1])[0]
    new = {"past": stream_size + rng.choice((0, 1, 3, 1000)), "far": 0x7FFFFFFF, "zero": 0, "max": 0xFFFFFFFF,
           "middle": max(0, old + rng.choice((1, 2, 3, 5, 9, -1, -3)))}[choice]
    records.items[i][1] = struct.pack("<I", new) + records.items[i][1][4:]
    records.keep_offsets = True
    return f"BOUNDSHEET #{i} offset {old} -> {new} ({choice})"


def sst_count(rng, records: Records):
    i = _choose(rng, records, (_SST,))
    if i is None:
        return "no SST"
    data = records.items[i][1]
    total, unique = rng.choice([(0x7FFFFFFF, 0x7FFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x80000000, 3),
                                (3_000_000_000, 5), (5, 3_000_000_000), (0, 0), (1, 1)])
    records.items[i][1] = struct.pack("<II", total, unique) + data[8:]
    return f"SST counts {total:,} / {unique:,}"


def continue_missing(rng, records: Records):
    found = records.indexes(_CONTINUE)
    if found:
        for i in reversed(found):
            del records.items[i]
        return f"{len(found)} CONTINUE records dropped"
    i = _choose(rng, records, (_SST,))
    if i is None:
        return "no SST"
    data = records.items[i][1]
    cut = rng.randrange(8, max(9, len(data)))
    records.items[i][1] = data[:cut]
    return f"SST cut at {cut} as if its CONTINUE were missing"


DIMENSIONS = [(0, 0x7FFFFFFF, 0, 256), (0, 65_537, 0, 10), (0, 10, 0, 257), (10, 5, 0, 10), (0, 10, 10, 5),
              (0xFFFFFFFF, 0, 0xFFFF, 0), (0, 0xFFFFFFFF, 0, 0xFFFF), (0, 65_536, 0, 256), (0, 0, 0, 0)]


def dimensions(rng, records: Records):
    i = _choose(rng, records, (_DIMENSIONS,))
    if i is None:
        return "no DIMENSIONS"
    values = rng.choice(DIMENSIONS)
    records.items[i][1] = struct.pack("<IIHH", *values) + records.items[i][1][12:]
    return f"DIMENSIONS #{i} = {values}"


def cell_place(rng, records: Records):
    i = _choose(rng, records, (*_CELLS, _ROW))
    if i is None:
        return "no cell"
    kind, data, _ = records.items[i]
    if len(data) < 4:
        return f"record {_name(kind)} #{i} too short to place"
    row = rng.choice([65_535, 65_534, struct.unpack_from("<H", data)[0]])
    column = rng.choice([255, 256, 0x4000, 0xFFFF, struct.unpack_from("<H", data, 2)[0]])
    data = struct.pack("<HH", row, column) + data[4:]
    if kind in (_MULRK, _MULBLANK) and len(data) >= 6 and rng.random() < 0.5:
        last = rng.choice([0, 255, 256, 0xFFFF])
        data = data[:-2] + struct.pack("<H", last)
        column = f"{column}..{last}"
    records.items[i][1] = data
    return f"record {_name(kind)} #{i} placed at row {row}, column {column}"


def cell_body(rng, records: Records):
    i = _choose(rng, records, (_MULRK, _FORMULA, _BOOLERR, _LABELSST, _ROW, _MULBLANK))
    if i is None:
        return "no cell"
    kind, data, _ = records.items[i]
    choice = rng.choice(["cut", "grow", "sst", "xf"])
    if choice == "cut":
        records.items[i][1] = data[:rng.choice([0, 2, 4, 5, 6, 7, 8, 13, max(0, len(data) - 1)])]
    elif choice == "grow":
        records.items[i][1] = data + bytes(rng.randrange(1, 9))
    elif choice == "sst" and kind == _LABELSST and len(data) >= 10:
        records.items[i][1] = data[:6] + struct.pack("<I", rng.choice([0xFFFFFFFF, 0x7FFFFFFF, 100_000]))
    elif len(data) >= 6:
        records.items[i][1] = data[:4] + b"\xff\xff" + data[6:]
    return f"record {_name(kind)} #{i} body: {choice}"


def name_garbled(rng, records: Records):
    choice = rng.choice(["bytes", "filter", "cut"])
    if choice == "filter":  # a built-in _FilterDatabase, its sheet and area what the seed says
        tab = rng.choice([0, 1, 2, 7, 0xFFFF])
        first, last = rng.choice([(0, 10), (10, 5), (0, 65_535), (65_535, 65_535)])
        formula = bytes([0x3B]) + struct.pack("<HHHHH", 0, first, last, 0, 10)
        data = struct.pack("<HBBHHBBBBB", 0x20, 0, 1, len(formula), tab, 0, 0, 0, 0, 0) + b"\x0d" + formula
        at = _choose(rng, records, (_BOUNDSHEET,)) or 1
        records.items.insert(at + 1, [_NAME, data, None])
        return f"NAME _FilterDatabase of sheet {tab}, rows {first}..{last}"
    i = _choose(rng, records, (_NAME,))
    if i is None:
        return "no NAME"
    data = bytearray(records.items[i][1])
    if choice == "cut":
        records.items[i][1] = bytes(data[:rng.randrange(len(data) + 1)])
    else:
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        records.items[i][1] = bytes(data)
    return f"NAME #{i} {choice}"


def filter_mode(rng, records: Records):
    for i in reversed(records.indexes(_NAME)):
        if len(records.items[i][1]) > 15 and records.items[i][1][15] == 0x0D:
            del records.items[i]
    sheet = [i for i in records.sheet_range() if records.items[i][0] == _DIMENSIONS] or list(records.sheet_range())
    at = rng.choice(sheet)
    records.items.insert(at, [_FILTERMODE, b"", None])
    return f"FILTERMODE at #{at} without _FilterDatabase"


def biff5(rng, records: Records):
    i = _choose(rng, records, (_BOF,))
    version = rng.choice([0x0500, 0x0400, 0x0000, 0xFFFF])
    records.items[i][1] = struct.pack("<H", version) + records.items[i][1][2:]
    return f"BOF #{i} version {version:#06x}"


def eof_missing(rng, records: Records):
    found = records.indexes(_EOF)
    i = rng.choice([found[0], found[-1], rng.choice(found)])
    del records.items[i]
    return f"EOF #{i} dropped"


RECORDS = (cut_short, duplicate, drop, swap, sheet_offset, sst_count, continue_missing, dimensions, dimensions,
           cell_place, cell_place, cell_body, cell_body, name_garbled, filter_mode, biff5, eof_missing)


def chain(rng, compound: Compound):
    at = rng.randrange(compound.data_sectors)
    new = rng.choice([_FREE, _END, _FATSECT, 0xFFFFFFFC, len(compound.fat) + 5, 0x7FFFFFFF, compound.dir_sector])
    compound.fat[at] = new
    return f"FAT[{at}] -> {new:#x}"


def loop(rng, compound: Compound):
    at = rng.randrange(compound.data_sectors)
    back = rng.randrange(at + 1)
    compound.fat[at] = back
    return f"FAT[{at}] -> {back} (a loop)"


def size_lies(rng, compound: Compound):
    new = rng.choice([0, 1, 4095, compound.size - 1, compound.size + 1, compound.size + 512, compound.size * 2,
                      0x7FFFFFFF, 0xFFFFFFFF, 2 ** 40])
    compound.size = new
    return f"stream size {len(compound.stream)} -> {new}"


def renamed(rng, compound: Compound):
    compound.name = rng.choice(["Book", "Book", "Workbook ", "WORKBOOK", "工作簿"])
    return f"stream named {compound.name!r}"


def header(rng, compound: Compound):
    field = rng.choice(sorted(compound.header_fields))
    new = rng.choice([0, 1, 12, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFE, 0xFFFFFFFF]) if field != "shift" else rng.choice(
        [7, 12, 16, 0, 31])
    if field in ("shift",):
        new &= 0xFFFF
    compound.header_fields[field] = new
    return f"header {field} -> {new:#x}"


def start(rng, compound: Compound):
    compound.start = rng.choice([compound.dir_sector, compound.data_sectors + 1, 0xFFFFFFFE, 0x7FFFFFFF,
                                 rng.randrange(compound.data_sectors)])
    return f"stream starts at sector {compound.start:#x}"


COMPOUND = (chain, loop, size_lies, renamed, header, start)


def damaged(rng: random.Random, original: bytes, stream: bytes) -> tuple[bytes, list[str]]:
    """The bytes of a damaged .xls, and what was done."""
    level = rng.choice(["records"] * 6 + ["raw"] * 2 + ["compound"] * 2 + ["file"])
    if level == "file":  # LibreOffice's own compound file, its bytes flipped
        data = bytearray(original)
        done = []
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(512) if rng.random() < 0.4 else rng.randrange(len(data) - 4)
            if rng.random() < 0.5:
                data[at] = rng.randrange(256)
            else:
                struct.pack_into("<I", data, at, rng.choice([0xFFFFFFFF, 0xFFFFFFFE, 0x7FFFFFFF, 0x10000, 0, 1]))
            done.append(str(at))
        return bytes(data), ["file bytes at " + " ".join(done)]
    records, done = Records(stream), []
    if level in ("records", "compound"):
        for _ in range(rng.choice((1, 1, 1, 2, 3)) if level == "records" else rng.choice((0, 0, 1))):
            mutation = rng.choice(RECORDS)
            done.append(f"{mutation.__name__}: {mutation(rng, records)}")
    raw = bytearray(records.build())
    if level == "raw":
        mutation = rng.choice(RAW)
        done.append(f"{mutation.__name__}: {mutation(rng, records, raw)}")
    compound = Compound(bytes(raw))
    if level == "compound":
        for _ in range(rng.choice((1, 1, 2))):
            mutation = rng.choice(COMPOUND)
            done.append(f"{mutation.__name__}: {mutation(rng, compound)}")
    return compound.build(), done


# -------------------------------------------------------------------------------------------- the property


def test_the_compound_file_of_our_own_is_read_as_libreoffices(saved, bases, tmp_path):
    """Unmutated, a Workbook stream rebuilt record by record and written into Compound reads as the original."""
    from xlmon.adapters.files import read_workbook

    for name, (original, stream) in bases.items():
        assert Records(stream).build() == stream, name
        ours = tmp_path / f"{name}.xls"
        ours.write_bytes(Compound(Records(stream).build()).build())
        book, theirs = read_workbook(ours), read_workbook(saved[name])
        assert not book.refusal and book.sheets == theirs.sheets and book.hidden_rows == theirs.hidden_rows, name


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is Linux's")
@pytest.mark.parametrize("seed", seeds(24, SALT))
def test_damage_inside_an_xls_is_read_or_refused_in_words(seed, saved, bases, tmp_path):
    rng = random.Random(seed)
    base = rng.choice(sorted(bases))
    data, done = damaged(rng, *bases[base])
    case = f"seed {seed}, {base}: " + "; ".join(done or ["rewritten only"])
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    out.mkdir()
    bad = folder / "damaged.xls"
    bad.write_bytes(data)
    good = folder / "good.xls"
    good.write_bytes(saved["good"].read_bytes())
    child = run_child(str(bad), str(good), str(folder), str(out), GOOD_UNIT)
    assert child.returncode == 0, (case, child.returncode, child.stdout[-300:], child.stderr[-1500:])
    report = json.loads(child.stdout.splitlines()[-1])

    assert_handled(report, case, ".xls", KNOWN, worded=True)
