"""Reading an order CSV without guessing silently: encoding, delimiter, a cut-off last row.

Rules (used by every importer through :func:`analysis.importers.common.read_raw`):

C1. Encoding: ``--encoding`` if given (a file that does not decode with it is one error
    naming the byte and its offset); otherwise UTF-8 (a byte-order mark is dropped), and a
    file that is not valid UTF-8 is read as Latin-1 (every byte is a character) with a
    warning naming the first byte that is not UTF-8 and ``--encoding`` as the way to choose.
C2. Delimiter: ``--delimiter`` if given; otherwise the one of ``, ; TAB |`` found most often
    in the header line (a tie goes to the comma); a delimiter other than the comma is logged.
C3. A last row without an end of line and with fewer fields than the header was cut off
    (an export or copy interrupted): it is marked ``_truncated`` and rejected with reason
    ``"truncated row"`` by the line formats; Olist refuses such a file with one line.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from analysis.importers.schema import OrderImportError

log = logging.getLogger("analysis.importers.read")

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class CsvText:
    """A CSV file decoded to UTF-8 bytes, its delimiter and whether its last row is cut off."""

    data: bytes
    delimiter: str
    encoding: str
    truncated_last_row: bool


def file_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed if it is gzip (by its magic number)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise OrderImportError(
                f"{path}: expected a complete gzip file, found a damaged or cut-off one ({exc})"
            ) from None
    return data


def decode(data: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    """(text, encoding used) by rule C1."""
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise OrderImportError(
                f"--encoding {encoding!r}: unknown encoding; use e.g. utf-8, latin-1, cp1252"
            ) from None
        except UnicodeDecodeError as exc:
            raise OrderImportError(
                f"{path}: expected text in {encoding}, found byte 0x{data[exc.start]:02x} at "
                f"offset {exc.start} that is not {encoding}; pass the file's --encoding"
            ) from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        log.warning(
            "%s: not UTF-8 (byte 0x%02x at offset %d): read as Latin-1; pass --encoding to "
            "choose another (e.g. cp1252)",
            path,
            data[exc.start],
            exc.start,
        )
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str, path: Path) -> str:
    """The delimiter by rule C2."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    if best != "," and counts[best] > counts[","]:
        log.info("%s: %s-delimited (from its header line)", path, DELIMITER_NAMES[best])
        return best
    return ","


def read_csv_text(path: Path, delimiter: str | None, encoding: str | None) -> CsvText:
    """Decode a CSV file by rules C1-C3."""
    text, used = decode(file_bytes(path), path, encoding)
    if delimiter is not None and len(delimiter) != 1:
        raise OrderImportError(f"--delimiter: expected one character, found {delimiter!r}")
    sep = delimiter or sniff_delimiter(text, path)
    truncated = False
    body = text.rstrip("\n")
    if text and not text.endswith(("\n", "\r")) and "\n" in body:
        header, last = body.split("\n", 1)[0], body.rsplit("\n", 1)[1]
        n_header = len(next(csv.reader(io.StringIO(header), delimiter=sep)))
        try:
            n_last = len(next(csv.reader(io.StringIO(last), delimiter=sep)))
        except (csv.Error, StopIteration):
            n_last = 0
        truncated = n_last < n_header
    return CsvText(text.encode("utf-8"), sep, used, truncated)
