"""Reading tables from disk and finding the instrument's columns in them.

Every reader goes through these helpers, so a malformed file (empty, truncated, wrong encoding,
not a table) becomes one :class:`~copro_scale.errors.CoproError` naming file, row and column,
the same way for every format.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from ..errors import CoproError
from ..instrument import Instrument
from .text import norm_header

HEAD_BYTES = 65536
#: Text arrow's streaming CSV reader is given at a time. It reads up to 32 such blocks ahead
#: (a background queue of fixed length), so its read-ahead holds about 130 MB; a row must fit.
READ_BYTES = 4 << 20
_LINE = re.compile(r"line (\d+)")


@dataclass(frozen=True)
class Head:
    """The first rows of a file, for detection: ``rows`` are lists of cell text."""

    path: Path
    suffix: str
    rows: list = field(default_factory=list)
    encoding: str = "utf-8-sig"
    sep: str = ","
    sheets: tuple = ()

    def header(self) -> list[str]:
        return [str(c) for c in self.rows[0]] if self.rows else []

    def norm_header(self) -> set[str]:
        return {norm_header(c) for c in self.header()}


@dataclass(frozen=True)
class Raw:
    """What a reader returns: the raw table and any extra label or role text it knows.

    ``team_code`` reads the platform's answer code of a team offered as a choice (the export's
    ``--teams``) as its 1-based position in the team list, or None for a name. ``warnings``
    are what the reader found for a person to look at (repeat instances, damaged ids).
    """

    frame: pd.DataFrame
    labels: Mapping[str, int] | None = None
    roles: Mapping[str, str] | None = None
    team_code: Callable[[str], int | None] | None = None
    warnings: tuple[str, ...] = ()


def encoding_of(data: bytes, encoding: str | None) -> str:
    """The encoding to read: ``encoding`` if given, else UTF-16 by its BOM, else UTF-8.

    Examples
    --------
    >>> encoding_of(b"\\xff\\xfea\\x00", None), encoding_of(b"a", None), encoding_of(b"a", "cp1252")
    ('utf-16', 'utf-8-sig', 'cp1252')
    """
    if encoding:
        return encoding
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8-sig"


def duplicate_headers(names) -> list[str]:
    """Non-blank headers that occur more than once, in order of their second occurrence.

    Examples
    --------
    >>> duplicate_headers(["a", "b", "a", "", ""])
    ['a']
    """
    seen, out = set(), []
    for name in (str(n).strip() for n in names):
        if name and name in seen and name not in out:
            out.append(name)
        seen.add(name)
    return out


def read_head(path: str | Path, encoding: str | None = None, n_rows: int = 5, *,
              sheet=None) -> Head:
    """Read the first rows of a file (text tables) or of its first sheet (xlsx).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.csv")
    >>> _ = open(p, "w").write("a;b\\n1;2\\n")
    >>> read_head(p).sep, read_head(p).rows[0]
    (';', ['a', 'b'])
    """
    path = Path(path)
    if not path.exists():
        raise CoproError("file not found", file=path)
    if path.is_dir():
        raise CoproError("is a folder, not a file", file=path)
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        data = fh.read(HEAD_BYTES)
    if suffix in (".sav", ".zsav", ".json"):
        return Head(path, suffix)
    problem = binary_kind(path, data)
    if problem:
        raise CoproError(problem, file=path)
    if suffix in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04"):
        frame = read_excel(path, nrows=n_rows, header=None, sheet=0 if sheet is None else sheet)
        rows = [["" if pd.isna(v) else str(v) for v in r] for r in frame.itertuples(index=False)]
        return Head(path, ".xlsx", rows, sheets=tuple(sheet_names(path)))
    if not data.strip():
        raise CoproError("is empty: no header row and no responses", file=path, row=1)
    enc = encoding_of(data, encoding)
    try:
        text = data.decode(enc, errors="replace")
    except LookupError:
        raise CoproError(f"unknown encoding {enc!r}", file=path) from None
    first = text.splitlines()[0] if text.splitlines() else ""
    sep = max((",", ";", "\t"), key=first.count)
    rows = []
    try:
        for i, r in enumerate(csv.reader(io.StringIO(text, newline=None), delimiter=sep)):
            if i >= n_rows:
                break
            rows.append(r)
    except csv.Error as exc:
        raise CoproError(f"is not a readable table ({exc})", file=path, row=len(rows) + 1) from None
    return Head(path, suffix or ".csv", rows, enc, sep)


def _decode_error(path: Path, enc: str) -> CoproError:
    """Locate the first byte that is not valid in ``enc``: its row and column."""
    data = path.read_bytes()
    try:
        data.decode(enc)
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        prefix = data[line_start:exc.start].decode(enc, errors="replace").replace("\r", " ")
        first = data.split(b"\n", 1)[0].decode(enc, errors="replace").replace("\r", " ")
        try:
            col_no = len(next(csv.reader([prefix]), [""])) if prefix else 1
            header = next(csv.reader([first]), [])
        except csv.Error:
            col_no, header = 1, []
        column = header[col_no - 1] if 0 < col_no <= len(header) else f"#{col_no}"
        return CoproError(f"is not {enc.replace('-sig', '')} text (byte 0x{data[exc.start]:02x}); "
                          "save it as UTF-8 or pass --encoding (e.g. cp1252)", file=path, row=row,
                          column=column)
    return CoproError(f"cannot be decoded as {enc}", file=path)


def read_csv(path: str | Path, head: Head, *, header_rows: int = 1, dtype=None,
             usecols=None, encoding: str | None = None, na_values=None) -> pd.DataFrame:
    """Read a delimited text table, turning every parser failure into a :class:`CoproError`.

    ``header_rows`` rows form the header (only the first names the columns; the others are
    skipped). Only an empty cell is missing (``na_values``, a list or a dict by column, adds
    more): "NA" or "None" can be a team's name. Headers that occur twice are listed in
    ``frame.attrs["duplicate_headers"]`` (:func:`pick` refuses to use them). The last line is
    checked for truncation (fewer fields than the header).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.csv")
    >>> _ = open(p, "w").write("a,b\\n1,2\\n")
    >>> read_csv(p, read_head(p)).shape
    (1, 2)
    """
    path = Path(path)
    enc = encoding or head.encoding
    dups = duplicate_headers(head.header())
    skip = list(range(1, header_rows)) or None  # an empty list still slows the C parser
    if isinstance(na_values, dict):
        na_values = {c: v for c, v in na_values.items() if c in head.header()}
    check_row_widths(path, head, enc, header_rows)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pd.read_csv(path, sep=head.sep, encoding=enc, skiprows=skip, dtype=dtype,
                                usecols=usecols, keep_default_na=False, index_col=False,
                                na_values=[""] if na_values is None else na_values,
                                skip_blank_lines=False)
    except UnicodeDecodeError:
        raise _decode_error(path, enc) from None
    except LookupError:
        raise CoproError(f"unknown encoding {enc!r}", file=path) from None
    except pd.errors.EmptyDataError:
        raise CoproError("is empty: no header row and no responses", file=path, row=1) from None
    except pd.errors.ParserError as exc:
        m = _LINE.search(str(exc))
        fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if fields:
            raise CoproError(_width_message(int(fields.group(3)), int(fields.group(1))), file=path,
                             row=int(fields.group(2))) from None
        raise CoproError("is not a well-formed table: " + str(exc).split(". ", 1)[-1],
                         file=path, row=int(m.group(1)) if m else None) from None
    except (ValueError, OverflowError) as exc:  # a dtype that does not fit: the caller reads text
        raise TypeError(str(exc)) from None
    frame.attrs.update(duplicate_headers=dups, source=str(path))
    _check_last_line(path, enc, head.sep, len(head.header()), header_rows + len(frame))
    return drop_blank_rows(frame, header_rows + 1)


def _width_message(actual: int, expected: int) -> str:
    if actual > expected:
        return (f"a long row: {actual} fields where the header has {expected} (an extra "
                "separator, or a separator inside an unquoted value); fix or delete the row")
    return (f"a short row: {actual} fields where the header has {expected} (a line cut off or "
            "broken in two, or a missing separator); fix or delete the row")


def check_row_widths(path, head: Head, enc: str, header_rows: int = 1) -> None:
    """Refuse a row with more or fewer fields than the header, naming the first (pandas fills a
    short row with blanks, and reads a long row on every line as an index column, shifting
    every value one column). Rows that end in empty extra fields only (a separator after the
    last value of each data row) are accepted: nothing is lost. UTF-8 files only (pyarrow's
    parser reports each row's width); others are judged by pandas.
    """
    try:
        if codecs.lookup(enc).name not in ("utf-8", "utf-8-sig") or not head.header():
            return
    except LookupError:
        return
    bad: list = []

    def note(row) -> str:
        if row.text.strip(" \r\n" + head.sep):  # a blank line is a row of no data, not an error
            extra = row.actual_columns - row.expected_columns
            if extra <= 0 or not row.text.rstrip("\r\n").endswith(head.sep * extra):
                bad.append(row)
        return "skip"

    first = head.header()[0]
    for size in (1 << 20, READ_BYTES, 1 << 26):  # small blocks: a small read-ahead; a row must fit
        try:
            reader = pa_csv.open_csv(path, read_options=pa_csv.ReadOptions(
                use_threads=False, skip_rows_after_names=header_rows - 1, block_size=size),
                parse_options=pa_csv.ParseOptions(delimiter=head.sep, newlines_in_values=True,
                                                  ignore_empty_lines=False,
                                                  invalid_row_handler=note),
                convert_options=pa_csv.ConvertOptions(include_columns=[first],
                                                      column_types={first: pa.string()}))
            for _ in reader:
                if bad:
                    break
            break
        except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
            if "straddl" not in str(exc) or bad:
                return  # pandas judges what arrow cannot read
            bad.clear()
    if bad:
        row = bad[0]
        raise CoproError(_width_message(row.actual_columns, row.expected_columns), file=path,
                         row=row.number)


def read_csv_fast(path: str | Path, head: Head, *, columns: list[str], types: dict,
                  encoding: str | None = None) -> pd.DataFrame | None:
    """``columns`` of a UTF-8 table read by pyarrow's multithreaded CSV reader, ``types`` (column
    -> arrow type) converted as read; only an empty cell is missing. Every column comes back as
    a pandas ``ArrowDtype`` column, sharing arrow's memory (no conversion). None when it
    declines (another encoding, a duplicate header, any cell that does not convert or row that
    does not parse): the caller then reads with pandas, whose errors name the row.

    Rows are first split between threads at line ends (twice as fast on two cores); arrow
    reports a quoted value that spans lines as a parser out of step with its chunker, and the
    file is then read again with ``newlines_in_values``.
    """
    enc = encoding or head.encoding
    try:
        utf8 = codecs.lookup(enc).name in ("utf-8", "utf-8-sig")
    except LookupError:
        return None
    if not utf8 or head.suffix == ".xlsx" or duplicate_headers(head.header()):
        return None
    if any(pa.types.is_integer(t) for t in types.values()) and _has_hex(path):
        return None
    convert = pa_csv.ConvertOptions(include_columns=columns, column_types=types,
                                    null_values=[""], strings_can_be_null=True)
    table = None
    for newlines in (False, True):
        try:
            table = pa_csv.read_csv(path, convert_options=convert, parse_options=pa_csv.ParseOptions(
                delimiter=head.sep, newlines_in_values=newlines,
                ignore_empty_lines=False))  # a blank line is a row: later rows keep numbers
            break
        except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:  # headers: not checked
            if "out of sync" not in str(exc):  # only a value spanning lines is worth a re-read
                break
    if table is not None and any(pa.types.is_binary(t) for t in table.schema.types):
        table = None  # a column arrow could not read as text: not UTF-8
    try:
        frame = table.to_pandas(types_mapper=pd.ArrowDtype, split_blocks=True,
                                self_destruct=True) if table is not None else None
    except (pa.ArrowException, UnicodeDecodeError):  # a header that is not UTF-8
        frame = None
    if frame is None:
        return None
    frame.attrs.update(duplicate_headers=[], source=str(path))
    _check_last_line(Path(path), enc, head.sep, len(head.header()), 1 + len(frame))
    return drop_blank_rows(frame, 2)


def _has_hex(path: str | Path) -> bool:
    """Whether the rows hold ``0x`` or ``0X``: pyarrow reads "0x4" as the integer 4, but no
    platform writes hex, and the general path gives such a cell its reason. A search for the
    letter alone (memchr) settles most files at once.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.csv")
    >>> _ = open(p, "w").write("vdm1,team\\n0x4,Box\\n")
    >>> _has_hex(p)
    True
    """
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return False
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            start = data.find(b"\n") + 1  # headers are checked by name
            return any(data.find(letter, start) != -1 and data.find(b"0" + letter, start) != -1
                       for letter in (b"x", b"X"))


def _check_last_line(path: Path, enc: str, sep: str, n_fields: int | None, last_row: int) -> None:
    """A file cut off mid-row has a last line with fewer fields than the header."""
    if not n_fields:
        return
    codec = codecs.lookup(enc).name
    width = 4 if "32" in codec else 2 if "16" in codec else 1
    with open(path, "rb") as fh:
        first = fh.read(4)
        fh.seek(0, 2)
        size = fh.tell()
        start = max(0, size - 8192)
        fh.seek(start - start % width)
        tail = fh.read()
    if width > 1 and codec in ("utf-16", "utf-32"):  # the byte order comes from the BOM
        big = first.startswith((b"\xfe\xff", b"\x00\x00\xfe\xff"))
        codec += "-be" if big else "-le"
    text = tail.decode(codec.replace("-sig", "") if width > 1 else enc.replace("-sig", ""),
                       errors="replace").lstrip("\ufeff")
    lines = text.rstrip("\r\n").split("\n")
    if len(lines) < 2 and size > 8192:
        return
    last = lines[-1]
    if last.count('"') % 2:  # inside a quoted field: let pandas judge
        return
    try:
        fields = next(csv.reader([last.replace("\r", "")], delimiter=sep), [])
    except csv.Error:  # a stray control character: not a truncation question
        return
    if 1 < len(fields) < n_fields or (len(fields) == 1 and n_fields > 1 and fields[0].strip()):
        raise CoproError(f"looks truncated: the last row has {len(fields)} of {n_fields} columns",
                         file=path, row=last_row)


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .xls, or an encrypted xlsx
#: Leading bytes of files that are not tables, and what to do instead.
NOT_A_TABLE = (
    (OLE2, ("is an old Excel .xls workbook or a password-protected one; open it in Excel and "
     "save it as .xlsx without a password, or as CSV UTF-8")),
    (b"\x1f\x8b", "is gzip-compressed; unpack it first (gunzip) and read the CSV inside"),
    (b"PK\x03\x04", None),  # a zip: xlsx, read as a workbook
)
_STATA = {".dta": "Stata", ".por": "SPSS portable", ".sas7bdat": "SAS", ".rds": "R", ".rdata": "R"}


def binary_kind(path: Path, data: bytes) -> str | None:
    """What to tell a user whose file is a binary format copro does not read (None: go on).

    Examples
    --------
    >>> binary_kind(Path("x.dta"), b"<stata_dta>")
    'is a Stata file; export it from Stata as CSV (export delimited) or SPSS .sav'
    >>> binary_kind(Path("x.csv"), b"a,b")
    """
    kind = _STATA.get(path.suffix.lower())
    if kind:
        return f"is a {kind} file; export it from {kind.split()[0]} as CSV (export delimited) or SPSS .sav"
    for magic, text in NOT_A_TABLE:
        if data.startswith(magic):
            return text
    sample = data[:4096]
    if sample.count(b"\x00") * 8 > len(sample) and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ("is a binary file (or UTF-16 text without a byte-order mark), not a table; save "
                "it as CSV UTF-8")
    return None


def _workbook(path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own types (ZipError, XmlError, PasswordError)
        raise CoproError(f"is not a readable xlsx workbook ({type(exc).__name__}); open it in "
                         "Excel and save it again as .xlsx, or as CSV UTF-8", file=path) from None


def sheet_names(path) -> list[str]:
    """The worksheets of an xlsx workbook, in order."""
    return list(_workbook(path).sheet_names)


def _sheet_part(zf: zipfile.ZipFile, sheet) -> str | None:
    """The zip member holding ``sheet`` (a name or a 0-based index)."""
    import xml.etree.ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    book = ET.fromstring(zf.read("xl/workbook.xml"))
    sheets = book.findall("m:sheets/m:sheet", ns)
    chosen = (sheets[sheet] if isinstance(sheet, int) and sheet < len(sheets) else
              next((e for e in sheets if e.get("name") == sheet), None))
    if chosen is None:
        return None
    rid = chosen.get(f"{{{ns['r']}}}id")
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = next((e.get("Target") for e in rels if e.get("Id") == rid), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


_FORMULA = re.compile(rb"<f[\s>/]")
_CELL_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_VALUE = re.compile(rb"<v>[^<]")


def uncached_formulas(path, sheet=0) -> list[str]:
    """Cells of a sheet holding a formula with no stored result (a workbook written by a
    program, never opened in Excel): a reader sees them blank. Their references, in order.

    The sheet's XML is searched for ``<f>`` elements only, so a sheet without formulas costs
    one scan of its bytes.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_part(zf, sheet)
            if part is None or part not in zf.namelist():
                return []
            data = zf.read(part)
    except (zipfile.BadZipFile, KeyError, OSError):
        return []
    out = []
    for m in _FORMULA.finditer(data):
        start = data.rfind(b"<c ", 0, m.start())
        end = data.find(b"</c>", m.start())
        if start < 0 or end < 0:
            continue
        cell = data[start:end]
        if not _VALUE.search(cell):
            ref = _CELL_REF.search(cell[:200])
            out.append(ref.group(1).decode() if ref else "?")
    return out


def _cell(value):
    """A calamine cell as pandas' readers give it: blank -> NaN, whole floats -> int."""
    if value == "":
        return np.nan
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _column(values: np.ndarray) -> pd.Series:
    """One sheet column from calamine's cells: a column of numbers only (blanks aside) as
    Int64 when whole (so a team or id ``3`` reads ``3``, not ``3.0``) or float64, at C speed;
    any other column as objects, cell by cell (:func:`_cell`)."""
    arr = values.copy()
    blank = arr == ""
    kind = pd.api.types.infer_dtype(arr[~blank], skipna=True) if len(arr) else "empty"
    if kind in ("floating", "integer", "mixed-integer-float"):
        numbers = np.full(len(arr), np.nan)
        numbers[~blank] = arr[~blank].astype("float64")
        finite = numbers[~blank]
        if np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**53):
            return pd.Series(_int64(numbers, blank))
        return pd.Series(numbers)
    if kind in ("string", "empty"):
        arr[blank] = np.nan
        return pd.Series(arr, dtype=object)
    return pd.Series([_cell(v) for v in values], dtype=object)


def _int64(numbers: np.ndarray, blank: np.ndarray):
    """Whole numbers (NaN where blank) as a nullable Int64 array."""
    return pd.arrays.IntegerArray(np.where(blank, 0, numbers).astype("int64"), blank.copy())


#: The last sheet parsed (python-calamine parses a whole sheet to give any row of it), kept so
#: that detection's first rows and the full read parse it once.
_PARSED: dict = {}


def _sheet(book, path, sheet):
    key = (str(path), os.stat(path).st_mtime_ns, os.stat(path).st_size, sheet)
    if key not in _PARSED:
        _PARSED.clear()
        _PARSED[key] = (book.get_sheet_by_index(sheet) if isinstance(sheet, int)
                        else book.get_sheet_by_name(sheet))
    return key, _PARSED[key]


def read_excel(path: str | Path, *, nrows=None, header=0, sheet=0) -> pd.DataFrame:
    """Read one sheet of an xlsx workbook as objects (python-calamine: ten times openpyxl's
    speed); a file that is no workbook, a sheet it lacks, or a formula cell without a stored
    result is a :class:`CoproError`. Headers that occur twice are listed in
    ``frame.attrs["duplicate_headers"]`` and the later copies renamed ``name.1``, ...
    """
    book = _workbook(path)
    names = list(book.sheet_names)
    if isinstance(sheet, str) and sheet not in names and sheet.isdigit() and 1 <= int(sheet) <= len(names):
        sheet = int(sheet) - 1  # --sheet 2: the second sheet, when no sheet is named "2"
    try:
        key, ws = _sheet(book, path, sheet)
        rows = ws.to_python(skip_empty_area=False, nrows=None if nrows is None else nrows + 1)
        if nrows is None:
            _PARSED.pop(key, None)  # read whole: no second read to save
    except (IndexError, KeyError, ValueError):
        raise CoproError(f"has no sheet {sheet!r} (sheets: {', '.join(names)}); pass --sheet NAME",
                         file=path) from None
    except Exception as exc:  # noqa: BLE001 - calamine's own error types
        if "NotFound" in type(exc).__name__:
            raise CoproError(f"has no sheet {sheet!r} (sheets: {', '.join(names)}); pass "
                             "--sheet NAME", file=path) from None
        raise CoproError(f"is not a readable xlsx workbook ({type(exc).__name__}); save it "
                         "again as .xlsx, or as CSV UTF-8", file=path) from None
    if nrows is None:
        missing = uncached_formulas(path, names.index(sheet) if isinstance(sheet, str) else sheet)
        if missing:
            raise CoproError(f"{len(missing)} formula cell(s) have no stored result (first: "
                             f"{', '.join(missing[:5])}), so they would read as blank; open the "
                             "workbook in Excel and save it (Excel stores the results), or save "
                             "it as CSV UTF-8", file=path)
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) if len(r) < width else r for r in rows]
    while rows and not any(v != "" for v in rows[-1]):  # trailing blank rows of the area
        rows.pop()
    if header is None:
        frame = pd.DataFrame([[_cell(v) for v in r] for r in rows[:nrows]], dtype=object)
        return frame
    if not rows:
        return pd.DataFrame()
    names = ["" if v == "" else str(_cell(v)) for v in rows[0]]
    seen: dict[str, int] = {}
    columns = []
    for j, name in enumerate(names):
        name = name or f"Unnamed: {j}"
        k = seen.get(name, 0)
        seen[name] = k + 1
        columns.append(name if k == 0 else f"{name}.{k}")
    cells = np.empty((len(rows) - 1, width), dtype=object)  # filled row by row: no nesting
    for k, r in enumerate(rows[1:]):
        cells[k] = r
    frame = pd.DataFrame({j: _column(cells[:, j]) for j in range(width)})
    frame.columns = columns
    frame.attrs.update(duplicate_headers=duplicate_headers(names), source=str(path))
    return drop_blank_rows(frame, 2)


# -- finding the instrument's columns ------------------------------------------------------------
def meta_names(inst: Instrument) -> dict[str, str]:
    """Normalised header -> canonical meta column: the field names and the questions' labels.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> meta_names(load_instrument())["what is your role?"]
    'role'
    """
    out = {n: n for n in ("response_id", "team", "role", "form", "months_in_role", "duration_s")}
    for key, spec in inst.respondent_fields.items():
        if isinstance(spec, Mapping) and spec.get("label"):
            out[norm_header(spec["label"])] = key
    return out


def item_texts(inst: Instrument) -> dict[str, tuple[str, str]]:
    """Normalised item text (either form's) -> (item id, form).

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> item_texts(inst)[norm_header(inst.items[0].text("psw"))]
    ('vdm1', 'psw')
    """
    return {norm_header(it.text(f)): (it.id, f) for f in inst.forms for it in inst.items}


def source_rows(frame: pd.DataFrame, header_rows: int = 1) -> pd.Series:
    """1-based spreadsheet rows of a table read with ``header_rows`` header rows (as
    :func:`drop_blank_rows` recorded them, when it did)."""
    rows = frame.attrs.get("source_rows")
    if rows is not None and len(rows) == len(frame):
        return pd.Series(rows, index=frame.index)
    return pd.Series(range(header_rows + 1, header_rows + 1 + len(frame)), index=frame.index)


def pick(frame: pd.DataFrame, mapping: Mapping[str, str], header_rows: int = 1, *,
         wave_column: str | None = None) -> pd.DataFrame:
    """The raw table of a reader: mapped columns renamed, plus ``_row`` (and ``_wave``, the
    ``wave_column``'s text, when one is named).

    Two source columns mapped to one name (an item asked on both forms' pages) are merged,
    the first non-blank value winning.

    Examples
    --------
    >>> f = pd.DataFrame({"A": ["1", None], "B": [None, "2"], "C": ["x", "y"]})
    >>> pick(f, {"A": "vdm1", "B": "vdm1"}).to_dict("list")
    {'vdm1': ['1', '2'], '_row': [2, 3]}
    """
    dups = set(frame.attrs.get("duplicate_headers", ()))
    used = [str(src) for src in mapping if str(src) in dups]
    if used:
        raise CoproError(f"has two columns headed {used[0]!r}; rename one so that it is clear "
                         "which holds the answers", file=frame.attrs.get("source"),
                         row=header_rows, column=used[0])
    raw = pd.DataFrame(index=frame.index)
    for src, dst in mapping.items():
        col = frame[src]
        if dst in raw:
            col = raw[dst].where(raw[dst].notna() & raw[dst].astype("string").str.strip().ne(""), col)
        raw[dst] = col
    raw["_row"] = source_rows(frame, header_rows)
    raw.attrs["columns"] = {dst: str(src) for src, dst in mapping.items()}  # for messages
    if wave_column is not None:
        if wave_column not in frame.columns:
            raise CoproError("the wave column (--wave-column) is not in the file",
                             file=frame.attrs.get("source"), row=header_rows, column=wave_column)
        raw["_wave"] = frame[wave_column].astype("string").to_numpy(dtype=object)
        raw.attrs["wave_column"] = wave_column
    return raw


def drop_blank_rows(frame: pd.DataFrame, first_row: int) -> pd.DataFrame:
    """``frame`` (read from spreadsheet row ``first_row`` on) without its blank rows; the rows
    kept keep their spreadsheet numbers in ``attrs["source_rows"]`` (:func:`source_rows`): a
    blank line holds no response, and the rows after it are not renumbered.

    Examples
    --------
    >>> f = drop_blank_rows(pd.DataFrame({"a": ["1", None, "2"]}), 2)
    >>> f["a"].tolist(), f.attrs["source_rows"].tolist()
    (['1', '2'], [2, 4])
    """
    rows = np.arange(first_row, first_row + len(frame))
    attrs = dict(frame.attrs)
    blank = None
    if frame.shape[1] and frame.iloc[:, 0].isna().any():  # no blank in column 1: no blank row
        blank = frame.isna().all(axis=1).to_numpy()
    if blank is not None and blank.any():
        frame = frame[~blank].reset_index(drop=True)
        rows = rows[~blank]
    frame.attrs.update(attrs, source_rows=rows)
    return frame


@dataclass(frozen=True)
class Plan:
    """How a platform's reader reads a table: the columns it needs (``usecols``, headers; None
    for every column), its header rows, and ``shape``, which makes the raw table
    (:class:`Raw`) of the text read. ``shape`` works row by row, so a file can be read whole
    (:func:`read_plan`) or in blocks of rows (:mod:`~copro_scale.responses.chunked`) with the
    same raw rows. ``rowwise`` is False where a row's reading depends on other rows (REDCap
    events and repeat instances): such a file is read whole."""

    usecols: frozenset | None
    header_rows: int
    shape: Callable[[pd.DataFrame], Raw]
    rowwise: bool = True

    def columns(self, head: Head) -> list[str] | None:
        """The headers read, in file order (None: every column). The first column is always
        read, so that a row with text in it is a row (read, and scored or excluded), as in a
        read of every column."""
        header = head.header()
        if self.usecols is None or not header or duplicate_headers(header):
            return None
        wanted = set(self.usecols) | {header[0]}
        return [c for c in header if c in wanted and c.strip()] or None


def read_plan(path, head: Head, plan: Plan, *, encoding=None, sheet=None) -> Raw:
    """The raw table of a whole file read by ``plan`` (:func:`read_any`, then ``plan.shape``)."""
    return plan.shape(read_any(path, head, header_rows=plan.header_rows, encoding=encoding,
                               sheet=sheet, usecols=plan.columns(head)))


def read_any(path, head: Head, *, header_rows: int = 1, encoding=None, sheet=None,
             usecols=None) -> pd.DataFrame:
    """A whole table as text: a CSV (``header_rows`` header rows) or an xlsx sheet.

    ``usecols`` (headers) reads only those columns of a CSV, so that an export with hundreds of
    columns the instrument does not use costs the memory of the ones it does; it is ignored
    when a header occurs twice (pandas would rename the copies).
    """
    if head.suffix == ".xlsx":
        frame = read_excel(path, sheet=0 if sheet is None else sheet)
        if header_rows > 1:
            attrs = dict(frame.attrs)
            rows = attrs.get("source_rows")
            frame = frame.iloc[header_rows - 1:].reset_index(drop=True)
            frame.attrs.update(attrs, source_rows=None if rows is None else rows[header_rows - 1:])
        return frame
    if usecols is not None and not duplicate_headers(head.header()):
        wanted = set(usecols)
        usecols = [c for c in head.header() if c in wanted and c.strip()] or None
        try:
            return read_csv(path, head, header_rows=header_rows, dtype="str", encoding=encoding,
                            usecols=usecols)
        except TypeError:  # the header pandas parsed differs from the first rows': read all
            pass
    return read_csv(path, head, header_rows=header_rows, dtype="str", encoding=encoding)
