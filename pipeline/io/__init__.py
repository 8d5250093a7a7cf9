"""All disk I/O: reading input articles, writing tables (all of a run or none), the per-document cache, the lock.

Reading never trusts its input (`inputs`, `decoding`); writing never shows a half-done run (`tables`);
the cache holds plain data only (`cache`).
"""

from pipeline.io.cache import RUN_TOKEN, ResultCache, pack, unpack
from pipeline.io.decoding import Notice, decode, decode_lines
from pipeline.io.inputs import (
                                INPUT_SUFFIXES,
                                InputError,
                                UnreadableFile,
                                input_files,
                                read_articles,
                                read_bytes,
                                table_articles,
)
from pipeline.io.messages import printable, warn
from pipeline.io.tables import (
                                JOURNAL,
                                MANIFEST,
                                AlreadyRunning,
                                Commit,
                                InconsistentTables,
                                TableWriter,
                                check_tables,
                                exclusive_temp,
                                iter_batches,
                                output_lock,
                                read_arrow,
                                read_manifest,
                                read_rows,
                                recover,
                                row_count,
                                table_file,
                                table_metadata,
                                table_version,
                                write_arrow,
                                write_json,
                                write_jsonl,
)

__all__ = [
    "INPUT_SUFFIXES", "JOURNAL", "MANIFEST", "RUN_TOKEN", "AlreadyRunning", "Commit", "InconsistentTables",
    "InputError", "Notice", "ResultCache", "TableWriter", "UnreadableFile", "check_tables", "decode",
    "decode_lines", "exclusive_temp", "input_files", "iter_batches", "output_lock", "pack", "printable",
    "read_articles", "read_bytes", "read_manifest", "read_rows", "recover", "row_count", "table_articles",
    "table_file", "table_metadata", "table_version", "unpack", "warn", "write_json", "write_jsonl",
    "read_arrow", "write_arrow",
]
