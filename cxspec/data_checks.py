"""Sources checked against their data, before anything is computed (`cxspec validate
--data`, and every `query` and `run`).

Each source is read once more for it: its columns (a column a spec names but the data lacks
is CX404 at the spec's key), its time columns' text (values that are no time, CX411; years
of two digits without a `time_format:`, CX412), how many of its rows are left out (no time,
CX414; a time after the as-of instant, CX413) and whether it has rows at all (CX415). A
source the warehouse cannot read is CX410. A measured column of a CSV file with cells of
spaces only is CX417 (a warning: they are counted invalid). A table's or a query's columns
that the warehouse types as text, used as conditions or compared with numbers, are CX407 and
CX406 (checks/booleans.check_warehouse_text). What is left out is returned per source, for
`query` and the reports (`LeftOut`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cxspec.checks.booleans import check_warehouse_text
from cxspec.checks.columns import check_columns
from cxspec.compiler import dialects
from cxspec.compiler.plan import source_fragment
from cxspec.compiler.sqlkit import case_when, col, num
from cxspec.diagnostics import CxspecError, DiagnosticSink, Severity, SpecError
from cxspec.lazyexp import LAZY_EXP as exp
from cxspec.resolve import Resolver
from cxspec.time_text import TWO_DIGIT_YEAR, fitting_formats, parse_iso, parse_with_format
from cxspec.warehouse import WarehouseError

#: Column types whose values are read as text (their times are parsed, and checked first).
_TEXT_TYPES = ("CHAR", "TEXT", "STRING", "CLOB")
#: Examples quoted in a message about values that do not parse.
EXAMPLES = 3


@dataclass(frozen=True)
class LeftOut:
    """Rows of one source (after its filter) that no result counts, by reason."""

    source: str
    rows: int
    no_time: int = 0
    after_as_of: int = 0
    #: Ends after the as-of instant: read as not ended yet (spine sources).
    ends_after_as_of: int = 0
    #: The values of the caller's aggregates computed in the same scan (`also` of
    #: checked_sources), by the caller's keys.
    also: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def total(self) -> int:
        """Rows left out of every result."""
        return self.no_time + self.after_as_of

    @property
    def reported(self) -> bool:
        """Whether anything is worth saying: rows left out, or ends read as not yet."""
        return bool(self.total or self.ends_after_as_of)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "no_time": self.no_time,
            "after_as_of": self.after_as_of,
            "ends_after_as_of": self.ends_after_as_of,
        }


def sources_of(project, registry, metric_ids) -> list[str]:
    """The sources that the metrics (and the metrics they are computed from) read, and the
    sources their lookup dimensions read (a looked-up column that is missing, or a time there
    that does not parse, is a located error, not the warehouse's)."""
    seen: set[str] = set()
    found: set[str] = set()
    stack = list(metric_ids)
    while stack:
        metric_id = stack.pop()
        if metric_id in seen or metric_id not in project.metrics:
            continue
        seen.add(metric_id)
        metric = project.metrics[metric_id]
        if metric.source in project.sources:
            found.add(metric.source)
        metric_type = registry.metric_types.get(metric.type)
        if metric_type is not None:
            stack += [dep for dep, _ in metric_type.depends_on(metric)]
    for source_id in list(found):
        found.update(d.lookup for d in project.sources[source_id].dimensions if d.lookup in project.sources)
    return sorted(found)


class DataCheckError(SpecError):
    """Sources whose data fails the checks: nothing is computed."""

    def __init__(self, diagnostics, root):
        super().__init__(diagnostics)
        self.root = root


def analysis_sources(project, ids=None, kind: str = "both", by=()) -> list[str]:
    """The sources that drivers analyses (`kind` "drivers") and links ("links") read: all of
    them, or those of `ids`; a drivers analysis's lookup dimensions' sources too (those its
    fragments name, or `by` splits it by)."""
    from cxspec.drivers.moments import looked_up

    found = set()
    if kind in ("both", "drivers"):
        for i, analysis in project.drivers.items():
            if (not ids or i in ids) and analysis.source in project.sources:
                source = project.sources[analysis.source]
                found |= {analysis.source} | {d.lookup for d in looked_up(analysis, source, by)}
    if kind in ("both", "links"):
        for link_id, link in project.links.items():
            if not ids or link_id in ids:
                found |= {link.cx_source, link.outcome_source}
    return sorted(s for s in found if s in project.sources)


def checked_sources(
    warehouse, project, registry, metric_ids, as_of, also=None, sources=()
) -> dict[str, LeftOut]:
    """What the sources of these metrics leave out; DataCheckError when their data has errors
    (warnings are left to `cxspec validate --data`: what they leave out is counted). `also`:
    per source id, more aggregates over its rows (after its filter) by key, computed in the
    same scan (a run's incremental watermark check, runs/incremental.py): in `LeftOut.also`.
    `sources`: more sources to check (those drivers analyses and links read)."""
    sink = DiagnosticSink()
    # `sources`: more sources to check (those drivers analyses and links read)
    wanted = sorted(set(sources_of(project, registry, metric_ids)) | set(sources))
    left_out = check_data(warehouse, project, registry, sink, wanted, as_of, also)
    errors = [d for d in sink.items if d.severity is Severity.ERROR]
    if errors:
        raise DataCheckError(errors, project.root)
    return left_out


def check_data(
    warehouse, project, registry, sink, source_ids, as_of: dt.datetime | None, also=None
) -> dict[str, LeftOut]:
    """Check each source against its data on an open warehouse; problems go to `sink`.
    Returns what each checked source leaves out (`also`: as in checked_sources)."""
    resolver = Resolver(project, registry, warehouse=warehouse)
    left_out: dict[str, LeftOut] = {}
    readable = []
    for source_id in source_ids:
        source = project.sources[source_id]
        types = _file_types(project, registry, source)
        # A CSV file that is not UTF-8 text is read by each engine its own way (_not_text); the
        # whole file is read only when it could not be typed (column_types.py)
        encoding = _not_text(project, registry, source, whole=types is None)
        if encoding is not None:
            sink.add("CX410", encoding[0], source.loc("path"), hint=encoding[1])
            continue
        if types is not None:
            _blank_cells(project, registry, sink, source, types)
        refusal = types.refusal() if types is not None else None
        if refusal is not None:
            message, hint = refusal
            what = f"data file {source.raw.get('path')!r} of source {source_id!r}"
            sink.add("CX410", f"{what} cannot be read: {message}", source.loc("path"), hint=hint)
            continue
        try:
            resolution = resolver.resolve([source])
            columns = list(resolution[source_id].column_types)
            if not columns:  # the warehouse did not say: ask for none of its rows
                relation = resolution.relation(source)
                columns, _ = warehouse.execute(_select(relation, limit=0).sql(dialect=warehouse.dialect))
        except WarehouseError as exc:
            if _unparsed_file(sink, source, exc):
                continue
            sink.add(
                "CX410",
                f"source {source_id!r} cannot be read: {exc}",
                source.loc("id"),
                hint="check the source's file, table or query on the warehouse",
            )
            continue
        found = DiagnosticSink()
        if types is None and _from_warehouse(registry, source):  # a table's or a query's columns
            declared = getattr(warehouse, "declared_types", None)
            relation = resolution.relation(source)
            known = (declared(relation) if declared else {}) or resolution[source_id].column_types
            check_warehouse_text(found, project, registry, source, known)
        repeated = dict(types.repeated) if types is not None else {}
        named = {name.lower(): name for name in columns if name.lower() not in repeated}
        check_columns(project, registry, found, {source_id: named}, {source_id: repeated})
        sink.extend(found.items)
        if not found.items:  # else its other checks would fail in SQL
            readable.append((source, resolution))
    for source, resolution in readable:
        found = _SourceCheck(warehouse, source, resolution, sink, as_of, (also or {}).get(source.id)).run()
        if found is not None:
            left_out[source.id] = found
    return left_out


def _from_warehouse(registry, source) -> bool:
    """Whether a source's rows are the warehouse's own (a table, a query), not a file's."""
    source_type = registry.source_types.get(source.type)
    return source_type is not None and source.valid and source_type.data_file(source) is None


def _file_types(project, registry, source):
    """The typed columns of a CSV file source (column_types.FileTypes), else None."""
    source_type = registry.source_types.get(source.type)
    if source_type is None or not source.valid:
        return None
    try:
        return source_type.file_types(source, project)
    except CxspecError:
        return None  # reported when the source is resolved


def _blank_cells(project, registry, sink, source, types) -> None:
    """CX417 for each metric measuring a column of the file with cells of spaces only: not
    empty fields, so counted invalid (an export's ' ' for a missing total)."""
    for metric_id in sorted(project.metrics):
        metric = project.metrics[metric_id]
        metric_type = registry.metric_types.get(metric.type)
        if metric.source != source.id or metric_type is None:
            continue
        for field_name in metric_type.measured_fields:
            name = metric.get(field_name)
            column = types.get(name) if isinstance(name, str) else None
            if column is None or not column.blanks:
                continue
            sink.add(
                "CX417",
                f"{column.blanks:,} of the {column.values:,} values of column {name!r} of source "
                f"{source.id!r} are blank (spaces only, not empty fields): metric {metric_id!r} counts "
                "them invalid",
                metric.loc(field_name),
                hint='empty those cells in the data if they mean "no value": an empty field is no '
                "observation, not an invalid one",
            )


def _unparsed_file(sink, source, exc: WarehouseError) -> bool:
    """CX410 at a file source's `path` for a CSV file DuckDB could not parse (a record with
    more fields than the header, past its sample), without DuckDB's advice, which names reader
    options a spec cannot set (`strict_mode=false`, `null_padding=true`): whether it was one."""
    message = str(exc)
    if "CSV Error on Line" not in message or not source.raw.get("path"):
        return False
    for marker in ("\nPossible fixes", "\nPossible Solution"):
        message = message.split(marker, 1)[0]
    sink.add(
        "CX410",
        f"data file {source.raw.get('path')!r} of source {source.id!r} cannot be read: {message.strip()}",
        source.loc("path"),
        hint="fix that line of the file: every record has the header's columns, and a field holding "
        "the delimiter, a quote or a line break is quoted",
    )
    return True


def _not_text(project, registry, source, whole: bool) -> tuple[str, str] | None:
    """(message, hint) when a source's CSV file is not UTF-8 text, else None: a workbook
    saved as .csv (a ZIP file), a binary file, UTF-16 (from its first 64 KiB, read for every
    CSV source); with `whole` (the file could not be typed), a Windows-1252 or Latin-1 export,
    naming the first byte that is not UTF-8. Engines refused such files each their own way:
    CX404 on DuckDB, "null character" on SQLite, "unterminated quoted identifier" on
    PostgreSQL for a workbook; for a Windows-1252 byte past DuckDB's sample, DuckDB computed
    over the columns it read while SQLite and PostgreSQL refused the file."""
    import gzip

    source_type = registry.source_types.get(source.type)
    data = source_type.data_file(source) if source_type is not None and source.valid else None
    if data is None or data.format != "csv":
        return None
    path = project.root / data.path
    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as file:
            content = file.read() if whole else file.read(65536)
    except (OSError, EOFError):
        return None
    named = f"data file {source.raw.get('path')!r} of source {source.id!r}"
    hint = 'save it as UTF-8 (a spreadsheet\'s "CSV UTF-8"), or convert it, e.g. iconv -f {} -t UTF-8'
    head = content[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and _utf16_text(head):
        return f"{named} is not UTF-8: it is UTF-16", hint.format("UTF-16")
    # binary: NULs are over 1% of it; but a NUL in a value of a small text file is that value's
    # (column_types.py refuses it, naming the column)
    nuls = head.count(b"\x00")
    if head.startswith(b"PK\x03\x04") or (nuls * 100 > len(head) and (nuls >= 8 or nuls * 10 > len(head))):
        kind = "a ZIP file (a workbook saved as .csv?)" if head.startswith(b"PK") else "binary"
        return f"{named} is not text: it is {kind}", 'export it from the spreadsheet as "CSV UTF-8"'
    if not whole:
        return None
    try:
        content.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        at = exc.start
    line = content.count(b"\n", 0, at) + 1
    column = at - (content.rfind(b"\n", 0, at) + 1) + 1
    byte = content[at]
    guess = bytes([byte]).decode("cp1252", errors="replace")
    return (
        f"{named} is not UTF-8: line {line}, byte {column} is 0x{byte:02X} ({guess!r} in Windows-1252 "
        "or Latin-1)",
        hint.format("WINDOWS-1252"),
    )


def _utf16_text(content: bytes) -> bool:
    """Whether bytes with a UTF-16 byte-order mark read as text in UTF-16."""
    try:
        text = content[: len(content) - len(content) % 2].decode("utf-16")[:4096]
    except UnicodeDecodeError:
        return False
    return bool(text) and sum(c < "\x80" for c in text) * 2 > len(text)


def _select(relation: exp.Expression, *, limit: int | None = None) -> exp.Select:
    table = relation if isinstance(relation, exp.Table) else exp.alias_(relation, "s", table=True, copy=False)
    select = exp.select("*").from_(table, copy=False)
    return select.limit(limit, copy=False) if limit is not None else select


class _SourceCheck:
    def __init__(self, warehouse, source, resolution, sink, as_of, also=None):
        self.warehouse = warehouse
        self.also = also or {}
        self.dialect = warehouse.dialect
        self.source = source
        self.resolution = resolution
        self.sink = sink
        self.as_of = as_of

    def rows(self) -> exp.Select:
        """The source's rows after its filter (what every metric of it reads)."""
        select = _select(self.resolution.relation(self.source))
        if self.source.filter:
            fragment = source_fragment(
                self.source.filter, self.source_dialect(), self.source, self.resolution
            )
            select = select.where(fragment, copy=False)
        return select

    def source_dialect(self) -> str:
        return self.resolution.project.config.dialect

    def run(self) -> LeftOut | None:
        source = self.source
        fields = {}  # column → the first field naming it (time and start are often one)
        for name in ("time", "start", "end"):
            if getattr(source, name):
                fields.setdefault(getattr(source, name), name)
        parsed = [column for column, name in fields.items() if self.check_text(name)]
        counts = self.count(parsed if len(parsed) == len(fields) else [])
        if counts is None:
            return None
        (rows, no_time, after, ends_after), also = counts
        if rows == 0:
            self.sink.add(
                "CX415",
                f"source {source.id!r} has no rows" + (" after its filter" if source.filter else ""),
                source.loc("filter" if source.filter else "id"),
                hint="its metrics have no results; check the data (or the filter)",
            )
        if no_time:
            column = source.time or source.start
            self.sink.add(
                "CX414",
                f"{no_time:,} of {rows:,} rows of source {source.id!r} have no {column!r}: they belong to "
                "no period and are left out",
                source.loc("time" if source.time else "start"),
                hint="fill the time in the data, or filter those rows out of the source",
            )
        if after or ends_after:
            self.report_after(after, ends_after, rows)
        return LeftOut(source.id, rows, no_time, after, ends_after, also)

    def report_after(self, after: int, ends_after: int, rows: int) -> None:
        source = self.source
        moment = self.as_of.isoformat(sep=" ", timespec="seconds")
        if after:
            column = source.time or source.start
            self.sink.add(
                "CX413",
                f"{after:,} of {rows:,} rows of source {source.id!r} have a {column!r} after the as-of "
                f"time {moment} UTC: they are left out",
                source.loc("time" if source.time else "start"),
                hint="a typo'd year (2204)? fix the data; or give --as-of a later time",
            )
        if ends_after:
            self.sink.add(
                "CX413",
                f"{ends_after:,} of {rows:,} rows of source {source.id!r} have an {source.end!r} after the "
                f"as-of time {moment} UTC: read as not ended yet",
                source.loc("end"),
                hint="a typo'd year (2204)? fix the data; or give --as-of a later time",
            )

    # -- time columns written as text ----------------------------------------------------

    def check_text(self, field: str) -> bool:
        """Whether the values of a time column parse (reported when not)."""
        source = self.source
        column = getattr(source, field)
        column_type = (self.resolution.column_type(source, column) or "").upper()
        if column_type and not any(t in column_type for t in _TEXT_TYPES) and not source.time_format:
            return True  # typed by the warehouse: times already
        values = exp.cast(col(column), exp.DataType.build("TEXT"))
        query = (
            exp.select(exp.alias_(values, "v", quoted=True, copy=False), exp.Count(this=exp.Star()))
            .from_(exp.alias_(exp.Subquery(this=self.rows()), "r", table=True, copy=False), copy=False)
            .where(exp.Not(this=exp.Is(this=col(column), expression=exp.Null())), copy=False)
            .group_by(num(1), copy=False)
        )
        _, found = self.warehouse.execute(query.sql(dialect=self.dialect))
        found = sorted(found, key=lambda row: str(row[0]))
        bad: list[tuple[str, int]] = []
        two_digit: list[tuple[str, int]] = []
        for value, count in found:
            value = str(value)
            fmt = source.time_format
            parsed = parse_with_format(value, fmt) if fmt else parse_iso(value)
            if parsed is not None:
                continue
            (two_digit if not source.time_format and TWO_DIGIT_YEAR.match(value) else bad).append(
                (value, count)
            )
        where = source.loc(field)
        if two_digit:
            total = sum(c for _, c in two_digit)
            self.sink.add(
                "CX412",
                f"{total:,} rows of source {source.id!r} have a {column!r} with a two-digit year "
                f"({_examples(two_digit)}): its century and day-month order would be guessed",
                where,
                hint=_format_hint(found)
                or 'declare how it is written: time_format: "%m/%d/%y %H:%M" (strptime codes)',
            )
        if bad:
            total = sum(c for _, c in bad)
            fits = (
                f"time_format {source.time_format!r}"
                if source.time_format
                else "ISO 8601 (2026-03-31T23:30:00Z)"
            )
            fix = "change" if source.time_format else "declare"
            hint = _format_hint(found, source.time_format)
            if all(not value.strip() for value, _ in bad):
                # spaces for a blank, or a table's empty text ('' is not NULL): DuckDB and
                # PostgreSQL stopped on them, SQLite dropped the rows without counting them
                keep = f"trim({_quoted(column)}) <> ''"
                what = (
                    "empty text is not NULL: store NULL for no time"
                    if all(value == "" for value, _ in bad)
                    else "spaces are not an empty field: empty them in the data"
                )
                if field == "end":  # an empty end is "not ended yet": filtering would drop those rows
                    hint = f"{what} (an empty end: not ended yet)"
                else:
                    hint = f'{what}, or leave those rows out with the source\'s filter: "{keep}"'
            self.sink.add(
                "CX411",
                f"{total:,} rows of source {source.id!r} have a {column!r} that is not a time "
                f"({_examples(bad)})",
                where,
                hint=hint or f"times are written as {fits}; fix the data, or {fix} `time_format:`",
            )
        return not (bad or two_digit)

    # -- what is left out ----------------------------------------------------------------

    def count(self, times: list[str]) -> tuple[tuple[int, int, int, int], dict] | None:
        source = self.source

        def total(condition) -> exp.Expression:
            return exp.Coalesce(this=exp.Sum(this=case_when(condition, num(1), num(0))), expressions=[num(0)])

        def timestamp(column: str) -> exp.Expression:
            column_type = self.resolution.column_type(source, column)
            return dialects.utc_timestamp(col(column), self.dialect, column_type, source.time_format)

        def after(column: str) -> exp.Expression:
            return exp.GTE(this=timestamp(column), expression=dialects.as_of_limit(self.as_of, self.dialect))

        first = source.time or source.start
        items = [exp.Count(this=exp.Star())]
        items.append(total(exp.Is(this=col(first), expression=exp.Null())) if first else num(0))
        checked = self.as_of is not None and first in times
        items.append(total(after(first)) if checked else num(0))
        ends = self.as_of is not None and source.end and source.end in times
        items.append(total(after(source.end)) if ends else num(0))
        keys = list(self.also)
        items += [self.also[k].copy() for k in keys]
        query = exp.select(*items).from_(
            exp.alias_(exp.Subquery(this=self.rows()), "r", table=True, copy=False), copy=False
        )
        try:
            _, found = self.warehouse.execute(query.sql(dialect=self.dialect))
        except WarehouseError as exc:
            if _unparsed_file(self.sink, source, exc):
                return None
            self.sink.add(
                "CX410",
                f"source {source.id!r} cannot be read: {exc}",
                source.loc("id"),
                hint="check the source's columns and filter on the warehouse",
            )
            return None
        counts = tuple(int(v or 0) for v in found[0][:4])
        return counts, dict(zip(keys, found[0][4:], strict=True))


def _examples(values: list[tuple[str, int]]) -> str:
    shown = ", ".join(repr(v) for v, _ in values[:EXAMPLES])
    return f"e.g. {shown}" if len(values) > EXAMPLES else shown


def _format_hint(found, declared: str | None = None) -> str | None:
    """A `time_format:` every value of a time column fits, as a hint; when the values do not
    tell the order of day and month, the formats they fit, to choose from."""
    formats = fitting_formats([str(value) for value, _ in found])
    if len(formats) == 1 and declared:
        return f'every value fits time_format: "{formats[0]}", not "{declared}"'
    if len(formats) == 1:
        return f'declare how it is written: time_format: "{formats[0]}" (every value fits it)'
    if formats:
        listed = " or ".join(f'"{f}"' for f in formats)
        return f"every value fits time_format {listed}: declare the one it is written in"
    return None


def _quoted(column: str) -> str:
    """A column's name as a fragment writes it: quoted unless a plain lower-case name."""
    return (
        column
        if column.isidentifier() and column == column.lower()
        else '"' + column.replace('"', '""') + '"'
    )
