"""Reading uploaded and remote files: tables (CSV, JSON, Parquet) and image archives (zip, tar).

A *location* is either a local path (a file staged in a local storage root) or ``(filesystem, path)``
for a file read through fsspec (staged in an object store, or a remote source). Tables come back as
Arrow tables; a file that cannot be parsed is the user's error (``INVALID_DATA``, saying which file and
why), never a 500.
"""

from __future__ import annotations

import io
import json
import os
import re
import tarfile
import zipfile
from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.json as pjson
import pyarrow.parquet as pq

from mlcube_nb.enums import ErrorCode, FileType, FolderType
from mlcube_nb.server.errors import BadRequest
from mlcube_nb.server.json_limits import MAX_JSON_DEPTH, json_depth

Location = str | tuple[Any, str]
TABLE_TYPES = (FileType.CSV, FileType.JSON, FileType.PARQUET)
CSV_BLOCK = 16 << 20
"""Bytes of CSV parsed per block: also the longest row a CSV file may have."""
_UNPRINTABLE = re.compile(r"[^\t\n\r\x20-\x7e\u00a0-\u2027\u2030-\ud7ff\ue000-\ufffd]+")


def _bad(label: str, message: str) -> BadRequest:
    return BadRequest(ErrorCode.INVALID_DATA, f"{label}: {message}")


def readable(text: str, limit: int = 300) -> str:
    """*text* (e.g. a parser's error) without control/binary characters and at most *limit* long."""
    text = _UNPRINTABLE.sub("?", text.replace("\ufffd", "?"))
    return text if len(text) <= limit else text[:limit] + "..."


def _open(location: Location) -> Any:
    if isinstance(location, str):
        return open(location, "rb")  # noqa: SIM115 - closed by the caller's with-block
    fs, path = location
    return fs.open(path, "rb")


def read_table(location: Location, file_type: FileType, label: str, string_columns: Iterable[str] = ()) -> pa.Table:
    """Parse a tabular file; *string_columns* are read as text from CSV (ids like ``007`` keep their zeros)."""
    if file_type not in TABLE_TYPES:
        raise _bad(label, f"{file_type.value} files cannot hold a table; send csv, json or parquet")
    try:
        if file_type is FileType.PARQUET:
            if isinstance(location, str):
                return pq.read_table(location, memory_map=True)
            with _open(location) as handle:
                return pq.read_table(handle)
        if file_type is FileType.CSV:
            return _not_empty(_read_csv(location, set(string_columns)), label)
        return _not_empty(_read_json(location), label)
    except BadRequest:
        raise
    except (pa.ArrowException, ValueError, UnicodeDecodeError, OSError, RecursionError) as exc:
        if "straddl" in str(exc):
            raise _bad(label, f"a row of the {file_type.value} file is longer than {CSV_BLOCK >> 20} MiB; shorten "
                              "its fields or send the data as parquet") from exc
        raise _bad(label, f"could not read the {file_type.value} file ({readable(str(exc))}); check that it is "
                          f"a {file_type.value} file and that file_type says so") from exc


def _not_empty(table: pa.Table, label: str) -> pa.Table:
    if table.num_rows == 0:
        raise _bad(label, "the file has no data rows; send at least one row")
    return table


def _read_csv(location: Location, string_columns: set[str]) -> pa.Table:
    convert = pcsv.ConvertOptions(column_types={name: pa.string() for name in string_columns},
                                  strings_can_be_null=True)
    read = pcsv.ReadOptions(block_size=CSV_BLOCK)
    if isinstance(location, str):
        return pcsv.read_csv(location, read_options=read, convert_options=convert)
    with _open(location) as handle:
        return pcsv.read_csv(handle, read_options=read, convert_options=convert)


def _read_json(location: Location) -> pa.Table:
    """JSON: an array of records, an object of columns, or one record per line (JSON Lines)."""
    with _open(location) as handle:
        raw = handle.read()
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise ValueError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep; a table needs 3 or 4")
    try:
        data = json.loads(raw)
    except ValueError:  # more than one value: JSON Lines
        return pjson.read_json(io.BytesIO(raw))
    if isinstance(data, list):
        return pa.Table.from_pylist(data)
    if isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
        data = {k: list(v.values()) for k, v in data.items()}  # pandas' default orient {column: {row: value}}
    if isinstance(data, dict):
        return pa.Table.from_pydict(data)
    raise ValueError("expected an array of records, an object of columns or JSON Lines")


def archive_members(location: Location, folder_type: FolderType | None, label: str) -> set[str]:
    """The file names inside a zip or tar archive (full member paths and bare file names)."""
    try:
        with _open(location) as handle:
            if folder_type is FolderType.ZIP or (folder_type is None and zipfile.is_zipfile(handle)):
                handle.seek(0)
                with zipfile.ZipFile(handle) as archive:
                    names = [n for n in archive.namelist() if not n.endswith("/")]
            elif folder_type is FolderType.TAR or folder_type is None:
                handle.seek(0)
                with tarfile.open(fileobj=handle) as archive:
                    names = [m.name for m in archive.getmembers() if m.isfile()]
            else:
                raise _bad(label, "a folder must be uploaded as a zip or tar archive")
    except (zipfile.BadZipFile, tarfile.TarError, OSError) as exc:
        raise _bad(label, f"could not open the {folder_type.value if folder_type else ''} archive ({exc})") from exc
    return set(names) | {os.path.basename(n) for n in names}


def pack_remote_folder(fs: Any, prefix: str, target: Any) -> None:
    """Pack every file under a remote folder into a tar archive written to the file object *target*."""
    with tarfile.open(fileobj=target, mode="w|") as archive:
        for path in sorted(fs.find(prefix)):
            relative = path[len(prefix.rstrip("/")) + 1:] if path.startswith(prefix.rstrip("/") + "/") else \
                os.path.basename(path)
            with fs.open(path, "rb") as handle:
                data = handle.read()
            member = tarfile.TarInfo(relative)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
