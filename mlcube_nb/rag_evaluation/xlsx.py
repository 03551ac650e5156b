"""Write ``.xlsx`` workbooks with XlsxWriter: typed cells, sized and wrapped columns, no formula injection.

Cells keep their type (numbers, booleans, text; ``None`` and non-finite numbers stay empty). The first
row is a bold, frozen header with a filter; each column is as wide as its content (capped), and long
text wraps. Text never becomes a formula: it is written with ``write_string`` only (XlsxWriter's
string-to-formula/number/URL conversions are off), and a text that starts with ``=``, ``+``, ``-``,
``@`` (or a tab / carriage return, which some programs strip before evaluating) also gets Excel's
*quote prefix* style, so that editing the cell in a spreadsheet keeps it text (OWASP's CSV/formula
injection advice, the ``'`` prefix, without changing the stored value).
"""

from __future__ import annotations

import io
import math
import numbers
import re
from collections.abc import Sequence
from typing import Any

Cell = str | int | float | bool | None
Sheet = tuple[str, Sequence[Sequence[Cell]]]

MAX_CELL_CHARS = 32767  # Excel's limit for the text of one cell
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""A text starting with one of these would be evaluated by a spreadsheet program as a formula."""
MAX_WIDTH = 60  # characters; wider text wraps
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_OPTIONS = {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}


def _sheet_title(name: str, taken: set[str]) -> str:
    """A legal, unique sheet name (max 31 characters, none of ``[]:*?/\\``)."""
    base = _SHEET_NAME.sub("_", name).strip("'")[:31] or "sheet"
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        title = f"{base[:31 - len(str(n)) - 1]}_{n}"
    taken.add(title.lower())
    return title


def clean_text(value: object) -> str:
    """A cell's text: characters XML cannot hold dropped, cut at Excel's per-cell limit."""
    return _ILLEGAL_XML.sub("", str(value))[:MAX_CELL_CHARS]


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet program would read *text* as a formula if it were typed in."""
    return text.startswith(FORMULA_TRIGGERS)


def _width(value: Cell) -> int:
    if value is None:
        return 0
    text = value if isinstance(value, str) else str(value)
    return max((len(line) for line in text.splitlines()), default=0)


class _Formats:
    """The few cell formats a sheet needs, created once per workbook."""

    def __init__(self, book: Any) -> None:
        self.header = book.add_format({"bold": True, "bottom": 1})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.quoted = book.add_format({"quote_prefix": True})
        self.quoted_wrap = book.add_format({"quote_prefix": True, "text_wrap": True, "valign": "top"})

    def text(self, text: str, wrapped: bool) -> Any:
        if is_formula_like(text):
            return self.quoted_wrap if wrapped else self.quoted
        return self.wrap if wrapped else None


def _write_cell(sheet: Any, row: int, col: int, value: Cell, formats: _Formats, wrapped: bool) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, numbers.Real):
        number = float(value)
        if math.isfinite(number):
            sheet.write_number(row, col, number)
    else:
        text = clean_text(value)
        sheet.write_string(row, col, text, formats.text(text, wrapped))


def _write_sheet(sheet: Any, rows: Sequence[Sequence[Cell]], formats: _Formats) -> None:
    widths: list[int] = []
    for row in rows:
        for c, value in enumerate(row):
            widths.extend([0] * (c + 1 - len(widths)))
            widths[c] = max(widths[c], _width(value))
    wrapped = [w > MAX_WIDTH for w in widths]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r == 0 and isinstance(value, str):
                text = clean_text(value)
                sheet.write_string(0, c, text, formats.quoted if is_formula_like(text) else formats.header)
            else:
                _write_cell(sheet, r, c, value, formats, wrapped[c])
    for c, width in enumerate(widths):
        sheet.set_column(c, c, min(MAX_WIDTH, max(8, width + 2)))
    if rows and widths:
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows) - 1, 0), len(widths) - 1)


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """The bytes of a workbook holding *sheets* (name, rows of cells; the first row is the header), in order."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    import xlsxwriter  # here, not at import: the server and the notebook start without it (~25 ms)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, _OPTIONS)
    formats = _Formats(book)
    taken: set[str] = set()
    for name, rows in sheets:
        _write_sheet(book.add_worksheet(_sheet_title(name, taken)), rows, formats)
    book.close()
    return buffer.getvalue()
