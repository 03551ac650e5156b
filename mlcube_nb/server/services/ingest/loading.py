"""Reading a request's files into checked tables (or image archives), and the checks across its files."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from mlcube_nb.enums import (
    DataStructure,
    FolderType,
)
from mlcube_nb.server.pipelines.payloads import BatchKind
from mlcube_nb.server.services.ingest import batch_checks, file_readers, staging
from mlcube_nb.server.services.ingest.batch_checks import FILE_NAME
from mlcube_nb.server.services.ingest.catalogue import stored_files
from mlcube_nb.server.services.ingest.state import Ingest, Loaded, Source
from mlcube_nb.server.services.ingest.table_checks import Conformed, conform, conform_series, invalid, rows_text

KPI_TIME_NAMES = ("timestamp", "time_id", "time")


KPI_VALUE_NAMES = ("value", "kpi")


def load(ingest: Ingest, source: Source) -> Loaded:
    if source.category.endswith("_images"):
        _bring_local(ingest, source)
        return Loaded(source)
    location = _location(ingest, source)
    if ingest.kind is BatchKind.KPI:
        table = file_readers.read_table(location, source.file_type, source.label)
        return Loaded(source, _conform_kpi(ingest, table, source.label))
    assert ingest.schema is not None
    base = source.category.removesuffix("_embedding")
    mapping = ingest.schema.structure is DataStructure.IMAGE and base == "input" and not \
        source.category.endswith("_embedding") and _has_images(ingest, base)
    expected = batch_checks.expected_for(ingest.schema, base, source.model_id, source.label, mapping=mapping,
                                         embedding=source.category.endswith("_embedding"))
    table = file_readers.read_table(location, source.file_type, source.label,
                                    string_columns=[*ingest.schema.text_columns(), FILE_NAME])
    return Loaded(source, conform(table, expected))


def _location(ingest: Ingest, source: Source) -> file_readers.Location:
    """Where to read a source: a staged file as a local path (from an object store, the copy this server kept
    when it received the upload, else a temporary download), or remote."""
    if source.staged is None:
        assert source.remote is not None
        return source.remote
    kept = None if ingest.storage.is_local else staging.LOCAL_COPIES.take(ingest.storage, source.staged)
    if kept is not None:
        ingest.scratch.append(kept)
        return kept
    path, temporary = ingest.storage.fetch(source.staged)
    if temporary:
        ingest.scratch.append(path)
    return path


def _has_images(ingest: Ingest, category: str) -> bool:
    return any(s.category == f"{category}_images" for s in ingest.sources)


def _bring_local(ingest: Ingest, source: Source) -> None:
    """Image folders are stored as one archive: remote ones are copied into staging (a plain folder packed as tar)."""
    if source.staged is not None:
        if source.folder_type is FolderType.UNCOMPRESSED:
            raise invalid(f"{source.label}: upload a folder as a zip or tar archive")
        return
    assert source.remote is not None
    fs, path = source.remote
    target = source.staged = staging.scratch_rel()
    if source.folder_type is FolderType.UNCOMPRESSED or (source.is_folder and fs.isdir(path)):
        with ingest.storage.open_writer(target) as handle:
            file_readers.pack_remote_folder(fs, path, handle)
        source.folder_type = FolderType.TAR
    else:
        ingest.storage.copy_in(fs, path, target)


def check_archives(ingest: Ingest, loaded: list[Loaded]) -> None:
    """Every image a mapping names must be in its archive."""
    for archive in (item for item in loaded if item.source.category.endswith("_images")):
        base = archive.source.category.removesuffix("_images")
        mapping = next((m for m in loaded if m.source.category == base and m.source.model_id ==
                        archive.source.model_id and m.conformed is not None), None)
        if mapping is None:
            raise invalid(f"{archive.source.label}: an image folder needs its mapping file")
        assert archive.source.staged is not None and mapping.conformed is not None
        members = file_readers.archive_members(ingest.storage.location(archive.source.staged),
                                               archive.source.folder_type, archive.source.label)
        names = mapping.conformed.table[FILE_NAME]
        missing = pc.invert(pc.is_in(pc.cast(names, pa.string()), value_set=pa.array(sorted(members), pa.string())))
        if pc.any(missing).as_py():
            raise invalid(f"{mapping.source.label}: column {FILE_NAME!r} names files that are not in the image "
                          f"folder at {rows_text(missing)} (e.g. {names.filter(missing)[0].as_py()!r})")
        _check_file_names(ingest, mapping)


def _check_file_names(ingest: Ingest, mapping: Loaded) -> None:
    """Image file names are unique across the task (PLATFORM.md §3.7)."""
    assert mapping.conformed is not None and ingest.task is not None
    names = pc.cast(mapping.conformed.table[FILE_NAME], pa.large_string())
    repeated = pa.array(names.to_pandas().duplicated().to_numpy())
    if pc.any(repeated).as_py():
        raise invalid(f"{mapping.source.label}: image file names must be unique; {rows_text(repeated)} repeat one")
    stored = []
    for row in stored_files(ingest.session, ingest.task.id, [mapping.source.category]):
        if FILE_NAME in (row.columns or []):
            stored.append(pc.cast(ingest.storage.read([row.path], [FILE_NAME])[FILE_NAME], pa.large_string()))
    if stored:
        batch_checks.refuse_known(mapping.source.label, names, pa.chunked_array(
            [c for s in stored for c in s.chunks], pa.large_string()), "used as image file names")


def _conform_kpi(ingest: Ingest, table: pa.Table, label: str) -> Conformed:
    """A KPI file: a float time column and one numeric value column, stored as ``timestamp``, ``value``."""
    assert ingest.kpi is not None
    names = table.column_names
    time_name = next((n for n in KPI_TIME_NAMES if n in names), None)
    values = [n for n in (*KPI_VALUE_NAMES, ingest.kpi.name) if n in names]
    if not values:
        numeric = [n for n in names if n != time_name and (pa.types.is_floating(table[n].type)
                                                            or pa.types.is_integer(table[n].type))]
        values = numeric if len(numeric) == 1 else []
    if time_name is None or not values:
        raise invalid(f"{label}: a KPI file needs a time column (one of {', '.join(KPI_TIME_NAMES)}, float seconds) "
                      f"and a value column ('value', or the KPI's name); the file has: {', '.join(names)}")
    return conform_series(table, label, time_name, values[0])
