"""A source-only VBA project (MS-OVBA) as the streams of a vbaProject.bin.

What xlwings' own add-in templates hold, and what we write: a `_VBA_PROJECT` stream of 7 bytes
(version 0xFFFF: no compiled p-code, Excel compiles the source on load), a `dir` stream
(MS-OVBA-compressed project information and module records, every MODULEOFFSET 0), one compressed
source stream per module, and the `PROJECT` / `PROJECTwm` streams. With no p-code there is nothing
that could disagree with the source, so there is no "VBA stomping" for scanners to flag.

The compression (MS-OVBA 2.4.1) and the PROJECT-stream data encryption (2.4.3) are implemented here
because they are short, and because the PyPI packages that offer them (`ms-ovba-compression`,
`ms-ovba-crypto`) are new single-author releases we would add as dependencies for ~80 lines; the
tests decompress every stream with oletools' independent implementation.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cfb

CHUNK = 4096
VBA_PROJECT_SOURCE_ONLY = bytes.fromhex("CC61FFFF000100")  # as in xlwings' quickstart add-ins
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
# "Microsoft Office 16.0 Object Library" (IRibbonControl): Excel resolves it by GUID, the path is a hint.
OFFICE_REFERENCE = ("Office", "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
                    "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#"
                    "Microsoft Office 16.0 Object Library")


@dataclass
class Module:
    name: str
    source: str  # the stored text: Attribute lines included, CRLF line ends
    kind: str  # "module" (procedural), "class" or "document"

    @property
    def project_line(self) -> str:
        if self.kind == "document":
            return f"Document={self.name}/&H00000000"
        return f"{'Module' if self.kind == 'module' else 'Class'}={self.name}"


# ------------------------------------------------------------------------------------ compression

def compress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1 CompressedContainer: signature 0x01, then one chunk per 4096 bytes."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        out += _chunk(data[start:start + CHUNK])
    return bytes(out)


def _chunk(chunk: bytes) -> bytes:
    body = bytearray()
    pos, n = 0, len(chunk)
    heads: dict[bytes, list[int]] = {}
    while pos < n:
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            offset, length = _match(chunk, pos, heads)
            if length >= 3:
                bit_count = max((pos - 1).bit_length(), 4)
                token = ((offset - 1) << (16 - bit_count)) | (length - 3)
                body += struct.pack("<H", token)
                flags |= 1 << bit
                step = length
            else:
                body.append(chunk[pos])
                step = 1
            for p in range(pos, pos + step):
                if p + 3 <= n:
                    heads.setdefault(chunk[p:p + 3], []).append(p)
            pos += step
        body[flag_at] = flags
    if len(body) > CHUNK:
        if n != CHUNK:
            raise ValueError("incompressible final chunk; MS-OVBA would need padding")
        return struct.pack("<H", 0x3000 | (CHUNK + 2 - 3)) + chunk  # raw chunk, flag bit 0
    return struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + bytes(body)


def _match(chunk: bytes, pos: int, heads: dict[bytes, list[int]]) -> tuple[int, int]:
    """The longest earlier copy (MS-OVBA's Matching), nearest first on ties; (0, 0) if none."""
    candidates = heads.get(chunk[pos:pos + 3])
    if not candidates:
        return 0, 0
    bit_count = max((pos - 1).bit_length(), 4)
    max_len = min((0xFFFF >> bit_count) + 3, len(chunk) - pos)
    best_len, best_off = 0, 0
    for start in reversed(candidates):
        length = 0
        while length < max_len and chunk[start + length] == chunk[pos + length]:
            length += 1
        if length > best_len:
            best_len, best_off = length, pos - start
            if length == max_len:
                break
    return best_off, best_len


# ------------------------------------------------------------------------------------ dir stream

def _rec(rid: int, data: bytes) -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _u16(text: str) -> bytes:
    return text.encode("utf-16-le")


def dir_stream(project: str, modules: list[Module], codepage: int, encoding: str) -> bytes:
    """The decompressed `dir` stream (MS-OVBA 2.3.4.2)."""
    out = bytearray()
    out += _rec(0x01, struct.pack("<I", 1))  # PROJECTSYSKIND: 32-bit Windows, as xlwings' templates
    out += _rec(0x02, struct.pack("<I", 0x409))  # PROJECTLCID
    out += _rec(0x14, struct.pack("<I", 0x409))  # PROJECTLCIDINVOKE
    out += _rec(0x03, struct.pack("<H", codepage))  # PROJECTCODEPAGE
    out += _rec(0x04, project.encode(encoding))  # PROJECTNAME
    out += _rec(0x05, b"") + _rec(0x40, b"")  # PROJECTDOCSTRING
    out += _rec(0x06, b"") + _rec(0x3D, b"")  # PROJECTHELPFILEPATH
    out += _rec(0x07, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
    out += _rec(0x08, struct.pack("<I", 0))  # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x09, 4, 1, 0)  # PROJECTVERSION 1.0 (Reserved field is 4)
    out += _rec(0x0C, b"") + _rec(0x3C, b"")  # PROJECTCONSTANTS
    name, libid = OFFICE_REFERENCE  # REFERENCENAME + REFERENCEREGISTERED
    out += _rec(0x16, name.encode(encoding)) + _rec(0x3E, _u16(name))
    lib = libid.encode(encoding)
    out += _rec(0x0D, struct.pack("<I", len(lib)) + lib + struct.pack("<IH", 0, 0))
    out += _rec(0x0F, struct.pack("<H", len(modules)))  # PROJECTMODULES
    out += _rec(0x13, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for m in modules:
        out += _rec(0x19, m.name.encode(encoding)) + _rec(0x47, _u16(m.name))  # MODULENAME(+UNICODE)
        out += _rec(0x1A, m.name.encode(encoding)) + _rec(0x32, _u16(m.name))  # MODULESTREAMNAME
        out += _rec(0x1C, b"") + _rec(0x48, b"")  # MODULEDOCSTRING
        out += _rec(0x31, struct.pack("<I", 0))  # MODULEOFFSET: source starts at byte 0
        out += _rec(0x1E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _rec(0x2C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += _rec(0x21 if m.kind == "module" else 0x22, b"")  # MODULETYPE
        out += _rec(0x2B, b"")  # terminator
    out += _rec(0x10, b"")  # end of dir stream
    return bytes(out)


# ------------------------------------------------------------------------------------ PROJECT stream

def encrypt(project_id: str, data: bytes, seed: int) -> str:
    """MS-OVBA 2.4.3.2 data encryption, as hex text (for CMG, DPB and GC)."""
    version = 2
    key = sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ key])
    unencrypted, enc1, enc2 = key, seed ^ key, seed ^ version

    def put(byte: int) -> None:
        nonlocal unencrypted, enc1, enc2
        enc = byte ^ ((enc2 + unencrypted) & 0xFF)
        out.append(enc)
        enc2, enc1, unencrypted = enc1, enc, byte

    for _ in range((seed & 6) // 2):
        put(0)  # ignored bytes
    for byte in struct.pack("<I", len(data)) + data:
        put(byte)
    return out.hex().upper()


def decrypt(project_id: str, text: str) -> bytes:
    """The inverse of `encrypt` (2.4.3.3); used by the tests to read back CMG/DPB/GC."""
    raw = bytes.fromhex(text)
    seed = raw[0]
    if raw[1] ^ seed != 2:
        raise ValueError("unknown encryption version")
    key = raw[2] ^ seed
    if key != sum(project_id.encode("ascii")) & 0xFF:
        raise ValueError("project key mismatch")
    unencrypted, enc1, enc2 = key, raw[2], raw[1]
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((enc2 + unencrypted) & 0xFF)
        plain.append(byte)
        enc2, enc1, unencrypted = enc1, enc, byte
    data = plain[(seed & 6) // 2:]
    length = struct.unpack_from("<I", data)[0]
    return bytes(data[4:4 + length])


def project_stream(project: str, project_id: str, modules: list[Module], encoding: str) -> bytes:
    """The PROJECT stream (2.3.1): unprotected, no password, visible."""
    lines = [f'ID="{project_id}"'] + [m.project_line for m in modules] + [
        f'Name="{project}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
        f'CMG="{encrypt(project_id, bytes(4), 0x5D)}"',  # protection state: none
        f'DPB="{encrypt(project_id, bytes(1), 0x5D)}"',  # password: none
        f'GC="{encrypt(project_id, bytes([0xFF]), 0x5D)}"',  # visibility: visible
        "", "[Host Extender Info]", HOST_EXTENDER, "", "[Workspace]"]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def projectwm_stream(modules: list[Module], encoding: str) -> bytes:
    out = bytearray()
    for m in modules:
        out += m.name.encode(encoding) + b"\0" + _u16(m.name) + b"\0\0"
    return bytes(out + b"\0\0")


# ------------------------------------------------------------------------------------ the file

def vba_project_bin(project: str, project_id: str, modules: list[Module], codepage: int = 1252) -> bytes:
    """A complete vbaProject.bin (compound file) for source-only `modules`."""
    encoding = f"cp{codepage}"
    names = [m.name for m in modules]
    if len(set(n.upper() for n in names)) != len(names):
        raise ValueError(f"duplicate module names: {names}")
    streams = [cfb.Entry("_VBA_PROJECT", cfb.STREAM, VBA_PROJECT_SOURCE_ONLY),
               cfb.Entry("dir", cfb.STREAM, compress(dir_stream(project, modules, codepage, encoding)))]
    streams += [cfb.Entry(m.name, cfb.STREAM, compress(m.source.encode(encoding))) for m in modules]
    return cfb.write([
        cfb.Entry("PROJECT", cfb.STREAM, project_stream(project, project_id, modules, encoding)),
        cfb.Entry("PROJECTwm", cfb.STREAM, projectwm_stream(modules, encoding)),
        cfb.Entry("VBA", cfb.STORAGE, children=streams),
    ])
