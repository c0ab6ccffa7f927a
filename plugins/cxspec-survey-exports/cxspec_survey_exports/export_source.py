"""What both export source types share: checks against the export's header and the relation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from cxspec import CheckContext, CxspecError, DiagnosticSink, SourceType, check_path, locate

from cxspec_survey_exports.layout import ExportError, Layout, cached_layout
from cxspec_survey_exports.mapping import NAME_PATTERN, Entry, entries
from cxspec_survey_exports.xlsx import is_xlsx, json_columns

if TYPE_CHECKING:  # the SQL is built when a run reads the export (start-up of `validate`)
    from sqlglot import exp

#: Diagnostic codes of this plugin (README.md, "Diagnostics").
UNREADABLE, NO_TIMEZONE, UNKNOWN_COLUMN, NAME_CLASH, NOT_A_COLUMN, BAD_NAME = (
    "SVX001",
    "SVX002",
    "SVX003",
    "SVX004",
    "SVX005",
    "SVX006",
)
#: A mapping to an ImportId that several columns carry (README.md, "Diagnostics").
AMBIGUOUS = "SVX007"
#: Source fields that name a column of the relation.
COLUMN_FIELDS = ("time", "key", "entity", "start", "end")


class Unresolved(Exception):
    """A mapping entry that names no column of the export."""

    def __init__(
        self,
        message: str,
        candidates: list[str],
        wanted: str,
        field: str | None = None,
        *,
        code: str = UNKNOWN_COLUMN,
        hint: str | None = None,
    ):
        super().__init__(message)
        #: The diagnostic code, and a hint that replaces the close names when given.
        self.code = code
        self.hint = hint
        #: What the export has instead, and the text to find close ones to.
        self.candidates = candidates
        self.wanted = wanted
        #: The field of the object form at fault (`answer`), for its position.
        self.field = field


class ExportSource(SourceType):
    #: The platform's name, for messages.
    platform: ClassVar[str]
    #: The column `time` defaults to.
    default_time: ClassVar[str]
    #: Said when the export does not carry its time zone and `timezone:` is missing.
    timezone_hint: ClassVar[str]

    def parse(self, path: Path) -> Layout:
        """The layout of an export file; raise ExportError when it is not this format."""
        raise NotImplementedError

    def resolve(self, entry: Entry, layout: Layout) -> int:
        """The column index an entry points at; raise Unresolved with close names."""
        raise NotImplementedError

    def layout(self, path: Path) -> Layout:
        return cached_layout(path, self.parse)

    def defaults(self, source, project):
        """`time` is the platform's event-time column, in an export that has one."""
        target = check_path(source, CheckContext(project, None, DiagnosticSink()))  # `check` reports bad paths
        if target is None or not target.is_file():
            return {}
        try:
            names = self.layout(target).names()
        except ExportError:
            return {}
        return {"time": self.default_time} if self.default_time in names else {}

    # -- validation ----------------------------------------------------------------------

    def check(self, source, ctx):
        sink = ctx.sink
        target = check_path(source, ctx)
        if target is None:
            source.valid = False  # refused (CX401, CX420, CX421): no follow-on errors from its metrics
            return
        if not target.is_file():
            sink.add(
                UNREADABLE,
                f"export file {source.get('path')!r} of source {source.id!r} does not exist",
                source.loc("path"),
                hint=f"the {self.platform} export must be there: its header names the columns",
            )
            source.valid = False
            return
        try:
            layout = self.layout(target)
        except ExportError as exc:
            sink.add(UNREADABLE, exc.message, source.loc("path"), hint=exc.hint)
            source.valid = False  # unreadable: metrics over it are not checked against it
            return
        self._check_timezone(source, layout, sink)
        names = self._check_mapping(source, layout, sink)
        self._check_columns(source, names, sink)

    def _check_timezone(self, source, layout: Layout, sink) -> None:
        written = source.get("timezone")
        if written is None:
            if layout.timezone is None:
                sink.add(
                    NO_TIMEZONE,
                    f"the {self.platform} export of source {source.id!r} does not say its time zone",
                    source.loc("path"),
                    hint=self.timezone_hint,
                )
            elif not _known_zone(layout.timezone):
                sink.add(
                    NO_TIMEZONE,
                    f"the export says its time zone is {layout.timezone!r}, which is unknown here",
                    source.loc("path"),
                    hint="set `timezone:` to its IANA name (America/Denver, Europe/Paris…)",
                )
        elif isinstance(written, str) and not _known_zone(written):
            from zoneinfo import available_timezones

            close = _close_matches(written, sorted(available_timezones()), n=3)
            sink.add(
                NO_TIMEZONE,
                f"unknown time zone {written!r}",
                source.loc("timezone"),
                hint=f"did you mean {', '.join(close)}?" if close else "an IANA name: America/Denver, UTC…",
                span=len(written),
            )

    def _check_mapping(self, source, layout: Layout, sink) -> list[str]:
        """Report entries naming no column or clashing names; return the relation's names."""
        names = layout.names()
        taken = {n.lower(): n for n in names}
        for entry in entries(source):
            mapping = source.get(entry.section)
            if not re.match(NAME_PATTERN, entry.name):
                sink.add(
                    BAD_NAME,
                    f"{entry.name!r} cannot name a column: metrics and filters use it in SQL",
                    locate(source.file, mapping, entry.name, key=True),
                    hint="letters, digits and _, not starting with a digit",
                    span=len(entry.name),
                )
            try:
                self.resolve(entry, layout)
            except Unresolved as exc:
                at_field = isinstance(entry.spec, dict) and exc.field in entry.spec
                sink.add(
                    exc.code,
                    str(exc),
                    locate(source.file, entry.spec, exc.field)
                    if at_field
                    else locate(source.file, mapping, entry.name),
                    hint=exc.hint or _close_names(exc),
                    span=len(exc.wanted) if isinstance(entry.spec, str) or at_field else 1,
                )
            # DuckDB resolves names case-insensitively: Status and status are one column.
            clash = taken.get(entry.name.lower())
            if clash is not None:
                what = "another mapped name" if clash not in layout.names() else "a column of the export"
                sink.add(
                    NAME_CLASH,
                    f"{entry.section[:-1]} name {entry.name!r} is already {what} ({clash!r})",
                    locate(source.file, mapping, entry.name, key=True),
                    hint="pick another name for it",
                    span=len(entry.name),
                )
            else:
                taken[entry.name.lower()] = entry.name
                names.append(entry.name)
        return names

    def _check_columns(self, source, names: list[str], sink) -> None:
        def report(value: str, location, what: str) -> None:
            close = _close_matches(value, names, n=3, cutoff=0.5)
            sink.add(
                NOT_A_COLUMN,
                f"{what} {value!r} of source {source.id!r} is not a column of the {self.platform} export",
                location,
                hint=f"did you mean {', '.join(map(repr, close))}?"
                if close
                else "map it under `questions:` or `fields:` first",
                span=len(value),
            )

        for field in COLUMN_FIELDS:
            value = getattr(source, field)
            if value and value not in names:
                written = field in source.raw
                report(value, source.loc(field) if written else source.loc(), f"`{field}`")
        for dimension in source.dimensions:
            if dimension.expr is None and dimension.name not in names:
                report(
                    dimension.name,
                    locate(source.file, source.raw.get("dimensions"), dimension.index),
                    "dimension",
                )

    # -- reading -------------------------------------------------------------------------

    def relation(self, source, reading):
        from cxspec_survey_exports import duckdb_sql

        path = source.raw["path"]
        try:
            layout = self.layout(reading.project.root / path)
            mapped = [(e.name, self.mapped_value(e, layout)) for e in entries(source)]
        except (ExportError, Unresolved) as exc:
            raise CxspecError(f"source {source.id!r}: {exc}") from None
        timezone = source.raw.get("timezone") or layout.timezone or "UTC"
        columns = None
        if is_xlsx(reading.project.root / path):  # DuckDB reads no Excel: the cells go inline
            columns = json_columns(reading.project.root / path, skip=1)  # as read_csv: header=true
        return reading.local(source, duckdb_sql.relation(path, layout, timezone, mapped, columns))

    def mapped_value(self, entry: Entry, layout: Layout) -> exp.Expression:
        from cxspec_survey_exports import duckdb_sql

        value = duckdb_sql.raw(self.resolve(entry, layout))
        return duckdb_sql.number(value, entry.labels) if entry.is_question else value


def _close_names(exc: Unresolved) -> str | None:
    close = _close_matches(exc.wanted, exc.candidates, n=4, cutoff=0.5)
    if close:
        return f"close names in the export: {', '.join(map(repr, close))}"
    if exc.candidates:
        return f"the export has: {', '.join(map(repr, exc.candidates[:8]))}"
    return None


def _known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # when a zone is checked (start-up)

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _close_matches(word: str, choices, n: int, cutoff: float = 0.6) -> list[str]:
    """difflib's close matches, imported when a hint needs them (start-up of `validate`)."""
    import difflib

    return difflib.get_close_matches(word, choices, n=n, cutoff=cutoff)
