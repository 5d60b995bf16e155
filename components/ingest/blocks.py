"""Blocks: a large UTF-8 CSV read block by block, so the whole table of strings never exists at once.

A CSV of at least `STREAM_BYTES` whose opening is UTF-8 and whose first line names its columns is
cut into pieces of about `BLOCK_BYTES` that end where a record ends (a line break after an even
number of quote characters), and each piece is read by Arrow as a CSV of its own. `Plan` says how
(delimiter, width, the byte range without trailing blank lines); `Plan.columns` reads just the
columns decided over the whole file (ids and dates, see `rows.Whole`) and `Plan.blocks` yields the
file as `RawTable`s, rows numbered as in the file, each piece cleaned of unsafe characters where it
may hold one (`hygiene`). What cannot be read as the whole-file reader would (a row of the wrong
width, bytes that are not UTF-8, more rows than the limit) raises `NotStreamable`, and the file
goes to that reader (`reading.read_table`). Pure: no streamlit.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import queue
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
import pyarrow as pa

from components.ingest import hygiene
from components.ingest.common import SAMPLE_BYTES
from components.ingest.reading import (
    RawTable,
    _check_cell_chars,
    _content_end,
    _dedupe_headers,
    _nonblank,
    _sniff_delimiter,
    _strip_sep_line,
    read_cells,
)

#: Files at least this large are read block by block; smaller ones whole (the same result, faster).
STREAM_BYTES: Final = 16 << 20
#: About this many bytes of the file per block.
BLOCK_BYTES: Final = 4 << 20
_TAIL: Final = 1 << 16


class NotStreamable(Exception):
    """The stream cannot read this file as the whole-file reader would: read it whole."""


@dataclass
class Plan:
    """How to read one large UTF-8 CSV block by block."""

    data: memoryview | None  # the file's bytes, when the caller holds them
    path: Path | None  # else the file on disk
    start: int
    end: int
    delimiter: str
    width: int
    encoding: str

    def _pieces(self, block_bytes: int) -> Iterator[Any]:
        """The file's bytes from `start` to `end` in pieces of about `block_bytes`, each ending with a line
        break that is not inside quotes (an even number of quote characters since the piece began)."""
        if self.data is not None:
            blob, pos = self.data.obj, self.start
            assert isinstance(blob, bytes)
            while pos < self.end:
                size = block_bytes
                while True:
                    stop = min(self.end, pos + size)
                    cut = stop if stop == self.end else _last_record_end(blob, pos, stop)
                    if cut is not None:
                        break
                    size *= 2  # a record longer than a block: look further
                yield self.data[pos:cut]
                pos = cut
            return
        assert self.path is not None
        with open(self.path, "rb") as fh:
            fh.seek(self.start)
            carry, left = b"", self.end - self.start
            while left > 0:
                raw = fh.read(min(block_bytes, left))
                if not raw:
                    break
                left -= len(raw)
                buf = carry + raw
                cut = len(buf) if left <= 0 else _last_record_end(buf, 0, len(buf))
                if cut is None:
                    carry = buf
                    continue
                yield buf[:cut]
                carry = buf[cut:]
            if carry:
                yield carry

    def _parse(self, piece: Any, columns: Sequence[int] | None) -> pa.Table:
        """One piece as a table of strings (cells as written); NotStreamable where the whole reader would differ."""
        # one thread: the piece is parsed serially anyway (quoted line breaks), and converting its
        # columns in parallel held 50 MB more at once
        table = read_cells(
            piece,
            self.width,
            self.delimiter,
            newlines_in_values=True,
            block_size=max(len(piece), 1 << 16),
            use_threads=False,
            columns=columns,
        )
        if table is None:
            raise NotStreamable("a row has the wrong number of fields, or a byte is not UTF-8")
        return table

    def columns(self, positions: Sequence[int]) -> list[pa.ChunkedArray]:
        """The cells of the columns at `positions`, every data row (the header row left out), read a piece
        at a time (a whole-file read of two columns of a 100 MB file peaked 250 MB above its 32 MB of cells)."""
        pieces: list[list[pa.Array]] = [[] for _ in positions]

        def parse(piece: Any) -> pa.Table:
            table = self._parse(piece, positions)
            if _may_hold_unsafe(piece):  # cleaned as the blocks are, so the ids and dates match theirs
                frame, _ = hygiene.scrub(table.to_pandas())
                table = pa.table({c: pa.array(frame[c].array, pa.large_string()) for c in frame.columns})
            return table

        # two pieces parsed at once (Arrow lets go of the GIL), never more held
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest-columns") as pool:
            pending: deque[Future[pa.Table]] = deque()
            for piece in self._pieces(BLOCK_BYTES):
                pending.append(pool.submit(parse, piece))
                if len(pending) >= 2:
                    self._keep(pending.popleft().result(), pieces)
            while pending:
                self._keep(pending.popleft().result(), pieces)
        return [pa.chunked_array(c, pa.large_string()).slice(1) for c in pieces]

    @staticmethod
    def _keep(table: pa.Table, pieces: list[list[pa.Array]]) -> None:
        for i, column in enumerate(table.columns):
            pieces[i].extend(column.chunks)
        give_back()

    def blocks(self, *, max_rows: int, max_cell_chars: int, block_bytes: int | None = None) -> Iterator[RawTable]:
        """The file as tables of about `block_bytes` each; the first one's `headers` name the columns."""
        headers: list[str] | None = None
        offset = 0
        for piece in self._pieces(block_bytes or BLOCK_BYTES):
            table = self._parse(piece, None)
            if headers is None:
                if not table.num_rows:
                    raise NotStreamable("no header row")
                headers = _dedupe_headers([table.column(i)[0].as_py() for i in range(self.width)])
                table = table.slice(1)
            if offset + table.num_rows > max_rows:
                raise NotStreamable("more rows than are read")  # the whole-file reader says how many
            yield self._table(table, headers, offset, max_cell_chars, _may_hold_unsafe(piece))
            offset += table.num_rows

    def _table(self, batch: pa.Table, headers: list[str], offset: int, max_cell_chars: int, unsafe: bool) -> RawTable:
        for i, h in enumerate(headers):
            _check_cell_chars(batch.column(i), h, max_cell_chars)
        frame = pd.DataFrame({h: batch.column(i).to_pandas() for i, h in enumerate(headers)})
        frame.index = pd.RangeIndex(offset + 1, offset + len(frame) + 1)
        cleaned = 0
        shown = list(headers)
        if unsafe:
            frame, cleaned = hygiene.scrub(frame)
            shown = [hygiene.clean_text(h) for h in headers]
            if shown != headers:
                shown = _dedupe_headers(shown)
                frame = frame.set_axis(shown, axis=1)
                cleaned += 1 if offset == 0 else 0
        return RawTable(frame, shown, self.encoding, self.delimiter, "csv", {}, _nonblank(frame), cleaned)


def ahead(items: Iterator[Any]) -> Iterator[Any]:
    """The same items, the next one read in a thread while the caller works on this one.

    Arrow parses a block without holding the GIL, so reading block k+1 overlaps the judging of block
    k; the thread starts on block k+2 only once the caller has taken k+1, so no more than two blocks
    are held. An exception is raised where its item would have been.
    """
    q: queue.Queue[tuple[bool, Any]] = queue.Queue()
    slot, stop, done = threading.Semaphore(1), threading.Event(), object()

    def work() -> None:
        it = iter(items)
        try:
            while True:
                slot.acquire()
                if stop.is_set():
                    return
                try:
                    item = next(it)
                except StopIteration:
                    q.put((True, done))
                    return
                q.put((True, item))
        except Exception as exc:  # noqa: BLE001 - handed to the caller and raised there
            q.put((False, exc))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()  # the reader under it, with its file

    worker = threading.Thread(target=work, name="ingest-blocks", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = q.get()
            slot.release()
            if not ok:
                raise item
            if item is done:
                return
            yield item
    finally:
        stop.set()
        slot.release()  # a worker waiting for its turn sees the stop
        worker.join()


def _libc() -> Any:
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to give back
        return None


_LIBC: Final = _libc()


#: glibc's heap is trimmed after every this many blocks, Arrow's pool after each one (`give_back`).
TRIM_EVERY: Final = 4
_given_back = itertools.count(1)


def give_back(*, trim: bool = False) -> None:
    """Return the memory a judged block freed to the system, so the next block does not add to the peak.

    Arrow's allocator keeps freed pages for reuse, and glibc keeps freed heap; both count in the
    process's resident size. Arrow's pool lets go after every block (`release_unused`); glibc's heap
    after every `TRIM_EVERY` blocks, or when `trim` is asked for (`malloc_trim`). Trimming after every
    block held no less at the peak, but the kernel then faulted the same pages in again for the next
    block. Four fresh-process imports of the 1M-row benchmark file, before and after this and
    `fields._typed_pass` (measured together; three runs of this alone gave the same split), took 3.26-3.62 s
    (0.84-1.26 s in the kernel, +396-410 MB) trimming every block, 2.80-3.19 s (0.50-0.85 s, +398-405 MB)
    every fourth."""
    pa.default_memory_pool().release_unused()
    if _LIBC is not None and (trim or next(_given_back) % TRIM_EVERY == 0):
        _LIBC.malloc_trim(0)


def _last_record_end(buf: bytes, lo: int, hi: int) -> int | None:
    """Just after the last line break in buf[lo:hi] that ends a record: one with an even number of quote
    characters between `lo` and it (CSV doubles a quote inside quotes, so the count's parity says
    whether a line break is inside a quoted value). None when there is no such line break."""
    quotes = buf.count(b'"', lo, hi)
    end = hi
    while (nl := buf.rfind(b"\n", lo, end)) >= 0:
        quotes -= buf.count(b'"', nl, end)  # the quotes between lo and this line break
        if quotes % 2 == 0:
            return nl + 1
        end = nl
    return None


def plan(source: str | Path | bytes, *, filename: str | None, max_bytes: int, max_columns: int) -> Plan | None:
    """A plan for reading the file block by block, or None when it is read whole (small, not UTF-8 CSV, odd)."""
    data: memoryview | None = None
    path: Path | None = None
    blob: bytes | None = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        blob = source if isinstance(source, bytes) else bytes(source)
        data = memoryview(blob)
        size = len(data)
        head = blob[:SAMPLE_BYTES]
    else:
        path = Path(source)
        try:
            if not path.is_file():
                return None
            size = path.stat().st_size
            with open(path, "rb") as fh:
                head = fh.read(SAMPLE_BYTES)
        except OSError:
            return None
        filename = filename or path.name
    suffix = Path(filename or "").suffix.lower()
    if size < STREAM_BYTES or size > max_bytes or suffix in (".xlsx", ".xlsm", ".xls"):
        return None
    if (
        head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        or b"\x00" in head
    ):
        return None
    start = 3 if head.startswith(codecs.BOM_UTF8) else 0
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head[start:], final=False)
    except UnicodeDecodeError:
        return None
    if _strip_sep_line(text)[1] is not None or not text.strip():
        return None
    delimiter = "\t" if suffix == ".tsv" else _sniff_delimiter(text)
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return None
    if len(header) < 2 or len(header) > max_columns or not any(c.strip() for c in header):
        return None
    end = _end(data, path, size)
    if end is None or end - start < STREAM_BYTES // 2:
        return None
    return Plan(data, path, start, end, delimiter, len(header), "utf-8-sig" if start else "utf-8")


def _end(data: memoryview | None, path: Path | None, size: int) -> int | None:
    """Where the content ends: trailing blank lines are the end of the file, not rows. A file on disk is
    read to its end, so one with more after its content than a final line break is read whole."""
    if data is not None:
        return _content_end(data)
    assert path is not None
    with open(path, "rb") as fh:
        fh.seek(max(0, size - _TAIL))
        tail = fh.read()
    cut = _content_end(memoryview(tail))
    if cut == 0 or tail[cut:] not in (b"", b"\n", b"\r\n"):
        return None
    return size


def _may_hold_unsafe(piece: Any) -> bool:
    """Could a piece hold a control or bidi-override character (`hygiene.may_hold_unsafe`)? Each piece is
    checked, and cleaned only where it could: a clean piece is left as it is, as a clean file is."""
    return hygiene.may_hold_unsafe(piece if isinstance(piece, bytes) else bytes(piece))
