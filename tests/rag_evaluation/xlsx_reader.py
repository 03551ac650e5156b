"""Read back the workbooks the platform writes, with the standard library only (openpyxl is not a dependency).

Parses the package parts a spreadsheet program reads: content types, the workbook's sheet list and
relationships, and each worksheet's cells (inline strings, shared strings, numbers, booleans).
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
REQUIRED_PARTS = {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"}
Value = str | float | bool | None


def _column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)  # type: ignore[union-attr]
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _value(cell: ElementTree.Element, shared: list[str]) -> Value:
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iterfind(".//m:t", NS))
    raw = cell.findtext("m:v", namespaces=NS)
    if raw is None:
        return None
    if kind == "s":
        return shared[int(raw)]
    if kind == "b":
        return raw == "1"
    return float(raw)


def read_xlsx(content: bytes) -> dict[str, list[list[Value]]]:
    """Every sheet of a workbook by name: rows of cell values (strings, floats, booleans, None for blanks)."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    assert REQUIRED_PARTS <= names, REQUIRED_PARTS - names
    types = archive.read("[Content_Types].xml").decode()
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.iterfind("p:Relationship", NS)}
    shared: list[str] = []
    if "xl/sharedStrings.xml" in names:
        strings = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iterfind(".//m:t", NS)) for si in strings.iterfind("m:si", NS)]
    sheets: dict[str, list[list[Value]]] = {}
    for sheet in workbook.iterfind("m:sheets/m:sheet", NS):
        part = "xl/" + targets[sheet.get(f"{{{NS['r']}}}id")]
        assert f'PartName="/{part}"' in types, f"{part} has no content type"
        root = ElementTree.fromstring(archive.read(part))
        rows: list[list[Value]] = []
        for row in root.iterfind("m:sheetData/m:row", NS):
            values: list[Value] = []
            for cell in row.iterfind("m:c", NS):
                index = _column_index(cell.get("r", ""))
                values.extend([None] * (index + 1 - len(values)))
                values[index] = _value(cell, shared)
            rows.append(values)
        sheets[sheet.get("name", "")] = rows
    return sheets


def records(rows: list[list[Value]]) -> list[dict[str, Value]]:
    """A sheet's rows after the header as dicts keyed by the header."""
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row + [None] * (len(header) - len(row)), strict=True)) for row in rows[1:]]
