"""Join PDF/A parts into one PDF/A file without holding the whole document in memory.

qpdf (behind pikepdf) keeps every object it has touched, so merging, saving and validating a
document with pikepdf costs memory in proportion to its pages. The label renderer instead
converts and validates each part (a chunk of labels) on its own with `make_pdfa`, and this module
streams the parts' pages into the final file, one part open at a time: only each page's object
number is remembered until the page tree is written at the end.

What the parts must share, as the label renderer guarantees:
- Fonts: every part draws with one glyph numbering per font (ReportLab's subset state carried
  from part to part), so a later part's subset is a superset of an earlier one's with the same
  codes. Each font (by BaseFont, e.g. `AAAAAA+DejaVuSans`) is written once, from the last part
  that carries it.
- Document-level objects (catalog entries such as XMP metadata and the sRGB output intent,
  the Info dictionary, the file identifier) are taken from the first part.
"""

from __future__ import annotations

import os
import struct
import uuid
import zlib
from array import array
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import pikepdf

# PDF/A: the header is followed by a comment of at least four bytes above 127.
_HEADER_COMMENT = b"%\xbf\xf7\xa2\xfe\n"
_XREF_ROW = 7
_MIN_VERSION = "1.5"  # object and cross-reference streams
_OBJECTS_PER_STREAM = 100


class _Writer:
    """Writes objects as they come: streams straight to the file, other objects gathered into
    compressed object streams, and a cross-reference stream at the end."""

    def __init__(self, out):
        self.out = out
        # One 7-byte row per object number (type, field 2, field 3 as /W [1 4 2]); row 0 is the
        # free-list head. A row stays all zero until its object is written.
        self.xref = bytearray(_XREF_ROW)
        self.buffered: list[tuple[int, bytes]] = []

    def reserve(self) -> int:
        self.xref += bytes(_XREF_ROW)
        return len(self.xref) // _XREF_ROW - 1

    def _row(self, number: int, kind: int, field2: int, field3: int) -> None:
        self.xref[number * _XREF_ROW : (number + 1) * _XREF_ROW] = struct.pack(">BIH", kind, field2, field3)

    def write_object(self, number: int, body: bytes) -> None:
        self.buffered.append((number, body))
        if len(self.buffered) >= _OBJECTS_PER_STREAM:
            self.flush_objects()

    def write_stream(self, number: int, stream_dict: bytes, data: bytes) -> None:
        self._row(number, 1, self.out.tell(), 0)
        self.out.write(b"%d 0 obj\n%s\nstream\n" % (number, stream_dict))
        self.out.write(data)
        self.out.write(b"\nendstream\nendobj\n")

    def flush_objects(self) -> None:
        if not self.buffered:
            return
        number = self.reserve()
        index, bodies, offset = [], [], 0
        for position, (object_number, body) in enumerate(self.buffered):
            index.append(b"%d %d" % (object_number, offset))
            bodies.append(body)
            offset += len(body) + 1
            self._row(object_number, 2, number, position)
        header = b" ".join(index) + b"\n"
        data = zlib.compress(header + b"\n".join(bodies))
        stream_dict = b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>" % (len(bodies), len(header), len(data))
        self.write_stream(number, stream_dict, data)
        self.buffered = []

    def finish(self, trailer: bytes) -> None:
        self.flush_objects()
        number = self.reserve()
        xref_at = self.out.tell()
        self._row(number, 1, xref_at, 0)
        self._row(0, 0, 0, 0xFFFF)
        rows = len(self.xref) // _XREF_ROW
        missing = [n for n in range(1, rows) if self.xref[n * _XREF_ROW] == 0]
        if missing:
            raise RuntimeError(f"objects reserved but never written: {missing[:10]}")
        data = zlib.compress(bytes(self.xref))
        stream_dict = b"<< /Type /XRef /Size %d /W [1 4 2] %s /Filter /FlateDecode /Length %d >>" % (rows, trailer, len(data))
        self.write_stream(number, stream_dict, data)
        self.out.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)


def _value(obj, ref: Callable[[pikepdf.Object], int]) -> bytes:
    """PDF syntax of a value inside an object; indirect objects become references through `ref`."""
    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        return b"%d 0 R" % ref(obj)
    return _direct(obj, ref)


def _direct(obj, ref: Callable[[pikepdf.Object], int]) -> bytes:
    if isinstance(obj, pikepdf.Object):
        if isinstance(obj, pikepdf.Dictionary):
            return _dictionary(obj, ref)
        if isinstance(obj, pikepdf.Array):
            return b"[" + b" ".join(_value(item, ref) for item in obj) + b"]"
        if isinstance(obj, pikepdf.String):
            return b"<" + bytes(obj).hex().encode() + b">"
        return obj.unparse()  # a name
    # pikepdf hands out numbers, booleans and null as Python values
    if obj is None:
        return b"null"
    if isinstance(obj, bool):
        return b"true" if obj else b"false"
    if isinstance(obj, int):
        return b"%d" % obj
    if isinstance(obj, Decimal):
        return format(obj.normalize(), "f").encode()
    raise TypeError(f"cannot write {type(obj).__name__} into a PDF")


def _dictionary(obj, ref, *, skip: Sequence[str] = (), extra: bytes = b"") -> bytes:
    parts = [b"<<"]
    for key in obj.keys():
        if key not in skip:
            parts.append(pikepdf.Name(key).unparse() + b" " + _value(obj.get(key), ref))
    if extra:
        parts.append(extra)
    parts.append(b">>")
    return b" ".join(parts)


def _is_font(obj) -> bool:
    return isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and "/BaseFont" in obj


class _Part:
    """One open part. Each of its objects is written once, numbered in the output on first use; its
    pages hang from the output's page tree; fonts go through `fonts` (None: written as they are)."""

    def __init__(self, path: Path, writer: _Writer, *, index: int, pages_number: int, fonts: _Fonts | None):
        self.pdf = pikepdf.open(path)
        self.index = index
        self.writer = writer
        self.pages_number = pages_number
        self.fonts = fonts
        self.numbers: dict[tuple[int, int], int] = {}
        self.pending: list[tuple[int, pikepdf.Object]] = []

    def ref(self, obj: pikepdf.Object) -> int:
        if self.fonts is not None and _is_font(obj):
            return self.fonts.number_for(obj, self.index)
        number = self.numbers.get(obj.objgen)
        if number is None:
            number = self.numbers[obj.objgen] = self.writer.reserve()
            self.pending.append((number, obj))
        return number

    def copy(self, obj: pikepdf.Object, number: int | None = None) -> int:
        """Write `obj` (as object `number`, if given) and everything it refers to; its number."""
        if number is None:
            number = self.ref(obj)
        else:
            self.pending.append((number, obj))
        self.flush()
        return number

    def flush(self) -> None:
        """Write the objects numbered but not written yet."""
        while self.pending:
            self._write(*self.pending.pop())

    def _write(self, number: int, obj: pikepdf.Object) -> None:
        if isinstance(obj, pikepdf.Stream):
            raw = obj.read_raw_bytes()
            stream_dict = _dictionary(obj.stream_dict, self.ref, skip=("/Length",), extra=b"/Length %d" % len(raw))
            self.writer.write_stream(number, stream_dict, raw)
        elif isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Page":
            self.writer.write_object(number, _dictionary(obj, self.ref, skip=("/Parent",), extra=b"/Parent %d 0 R" % self.pages_number))
        elif isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Pages":
            raise ValueError("a part refers to its page tree outside the catalog")
        else:
            self.writer.write_object(number, _direct(obj, self.ref))

    def close(self) -> None:
        self.pdf.close()


class _Fonts:
    """One output object per font (by BaseFont), written at the end from the last part that has it."""

    def __init__(self, writer: _Writer):
        self.writer = writer
        self.numbers: dict[str, int] = {}
        self.source: dict[str, tuple[int, tuple[int, int]]] = {}  # BaseFont -> (part index, objgen)

    def number_for(self, font: pikepdf.Object, part_index: int) -> int:
        base_font = str(font.BaseFont)
        if base_font not in self.numbers:
            self.numbers[base_font] = self.writer.reserve()
        self.source[base_font] = max(self.source.get(base_font, (-1, (0, 0))), (part_index, font.objgen))
        return self.numbers[base_font]

    def write(self, paths: Sequence[Path], pages_number: int) -> None:
        by_part: dict[int, list[tuple[int, tuple[int, int]]]] = {}
        for base_font, (index, objgen) in self.source.items():
            by_part.setdefault(index, []).append((self.numbers[base_font], objgen))
        for index, fonts in sorted(by_part.items()):
            part = _Part(paths[index], self.writer, index=index, pages_number=pages_number, fonts=None)
            try:
                for number, objgen in fonts:
                    part.copy(part.pdf.get_object(objgen), number)
            finally:
                part.close()


def concatenate_pdfa(parts: Sequence[str | os.PathLike[str]], dest: str | os.PathLike[str]) -> int:
    """Write the pages of `parts` (validated PDF/A files, see the module docstring) into `dest`, in
    order; return the page count. `dest` is replaced only once the file is complete."""
    paths = [Path(part) for part in parts]
    if not paths:
        raise ValueError("nothing to concatenate")
    dest = Path(dest)
    partial = dest.with_name(f"{dest.name}.{uuid.uuid4().hex}.partial")
    page_numbers = array("L")
    try:
        with open(partial, "wb") as out:
            writer = _Writer(out)
            fonts = _Fonts(writer)
            with pikepdf.open(paths[0]) as first:
                version = max(first.pdf_version, _MIN_VERSION, key=lambda v: tuple(map(int, v.split("."))))
            out.write(b"%PDF-" + version.encode() + b"\n" + _HEADER_COMMENT)
            catalog_number, pages_number = writer.reserve(), writer.reserve()
            trailer = b""
            for index, path in enumerate(paths):
                part = _Part(path, writer, index=index, pages_number=pages_number, fonts=fonts)
                try:
                    if index == 0:
                        trailer = _copy_document_level(part, catalog_number)
                    for page in part.pdf.pages:
                        page_numbers.append(part.copy(page.obj))
                finally:
                    part.close()
            fonts.write(paths, pages_number)
            kids = b" ".join(b"%d 0 R" % number for number in page_numbers)
            writer.write_object(pages_number, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_numbers)))
            writer.finish(trailer)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    return len(page_numbers)


def _copy_document_level(part: _Part, catalog_number: int) -> bytes:
    """The first part's catalog (hung on the output's page tree) and Info dictionary; the trailer
    entries pointing at them, with the part's file identifier."""
    pdf = part.pdf
    catalog = _dictionary(pdf.Root, part.ref, skip=("/Pages",), extra=b"/Pages %d 0 R" % part.pages_number)
    part.writer.write_object(catalog_number, catalog)
    trailer = b"/Root %d 0 R /ID %s" % (catalog_number, _value(pdf.trailer.ID, part.ref))
    if "/Info" in pdf.trailer:
        trailer += b" /Info " + _value(pdf.trailer.Info, part.ref)
    part.flush()
    return trailer
