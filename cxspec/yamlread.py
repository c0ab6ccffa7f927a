"""Read YAML into plain Python data that remembers where every key and value stands.

We compose the tree ourselves from ruamel.yaml's parser events instead of using its
round-trip loader: that loader composes in pure Python, with comment and style bookkeeping
cxspec does not need, while the C parser (ruamel.yaml.clib) hands us events cheaply (figures
in docs/design.md, "A positioned tree"); and composing ourselves lets us enforce limits
(alias bombs, depth) before any expansion happens. Scalars are resolved by the YAML 1.2
core schema, as ruamel.yaml does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.reader import ReaderError

try:  # the C parser is optional: the pure-Python one gives the same events, slower
    import _ruamel_yaml  # noqa: F401

    _PURE = False
except ImportError:  # pragma: no cover - depends on the platform
    _PURE = True

#: Largest spec file read, in bytes.
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Deepest nesting of mappings and sequences.
MAX_DEPTH = 64
#: Most nodes a file may expand to, counting every alias expansion.
MAX_NODES = 2_000_000

Pos = tuple[int, int]  # (line, column), both from 1


class YamlMap(dict):
    """A mapping with the positions of its keys and values."""

    __slots__ = ("pos", "key_pos", "value_pos")

    def __init__(self, pos: Pos):
        super().__init__()
        self.pos = pos
        self.key_pos: dict = {}
        self.value_pos: dict = {}


class YamlSeq(list):
    """A sequence with the positions of its items."""

    __slots__ = ("pos", "value_pos")

    def __init__(self, pos: Pos):
        super().__init__()
        self.pos = pos
        self.value_pos: list = []


@dataclass
class YamlProblem:
    """A problem reading YAML, at a line and column."""

    code: str
    message: str
    line: int
    column: int
    hint: str | None = None


class YamlReadError(Exception):
    def __init__(self, problems: list[YamlProblem]):
        super().__init__(problems[0].message)
        self.problems = problems


@dataclass
class YamlDocument:
    """A file read: its data with positions, and its text."""

    data: object
    #: Spans of quoted or multi-line scalars are not one-to-one with their text; we keep
    #: each string scalar's style so that SQL fragment columns can be mapped back.
    text: str
    #: Problems that leave the file readable (a duplicate key): errors all the same.
    problems: tuple[YamlProblem, ...] = ()


_NULL = re.compile(r"^(?:~|null|Null|NULL)?$")
_BOOL_TRUE = {"true", "True", "TRUE"}
_BOOL_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

_STR_TAG = "tag:yaml.org,2002:str"
_KNOWN_TAGS = {
    _STR_TAG,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


def resolve_plain(value: str):
    """The YAML 1.2 core schema: null, bool, int, float, else a string."""
    first = value[:1]
    if first.isalpha() and first not in "nNtTf" and first != "F":
        return value  # most values in specs: ids, names, column names
    if _NULL.match(value):
        return None
    if value in _BOOL_TRUE:
        return True
    if value in _BOOL_FALSE:
        return False
    if _INT.match(value):
        return int(value)
    if _OCT.match(value):
        return int(value[2:], 8)
    if _HEX.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value) and any(ch.isdigit() for ch in value):
        return float(value)
    if _INF.match(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if _NAN.match(value):
        return float("nan")
    return value


#: Byte-order marks of other Unicode encodings (UTF-32 first: its LE mark starts like UTF-16's).
_OTHER_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def decode(raw: bytes) -> str:
    """UTF-8 text without its BOM, or a YamlReadError at the first bad byte."""
    if len(raw) > MAX_FILE_BYTES:
        raise YamlReadError(
            [
                YamlProblem(
                    "CX006",
                    f"file is {len(raw):,} bytes, more than the limit of {MAX_FILE_BYTES:,}",
                    1,
                    1,
                    "split it into several spec files",
                )
            ]
        )
    for bom, encoding in _OTHER_BOMS:
        if raw.startswith(bom):
            raise YamlReadError(
                [YamlProblem("CX003", f"the file is {encoding}, not UTF-8", 1, 1, "save the file as UTF-8")]
            )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        # Columns count characters, as editors and the YAML parser do, not bytes.
        column = len(raw[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise YamlReadError(
            [
                YamlProblem(
                    "CX003",
                    f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                    line,
                    column,
                    "save the file as UTF-8",
                )
            ]
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _pos(mark) -> Pos:
    return (mark.line + 1, mark.column + 1)


def parse(text: str) -> object:
    """Compose one YAML document into YamlMap/YamlSeq/scalars, or raise YamlReadError (for
    any problem, those that leave it readable too: read_document keeps the data)."""
    data, problems = read_document(text)
    if problems:
        raise YamlReadError(problems)
    return data


def read_document(text: str) -> tuple[object, list[YamlProblem]]:
    """The document and the problems that leave it readable (duplicate keys); YamlReadError
    for a document that cannot be read."""
    try:
        composer = _Composer(text)
        return composer.compose(), composer.problems
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = _pos(mark) if mark else (1, 1)
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        hint = None
        lines = text.splitlines()
        source_line = lines[line - 1] if 0 < line <= len(lines) else ""
        indent = source_line[: len(source_line) - len(source_line.lstrip())]
        if "\t" in indent or "tab character" in message:
            hint = "YAML indents with spaces, not tabs"
        elif "mapping values are not allowed" in message:
            hint = "quote a value that holds ': ' or ends with ':' (\"duckdb:///:memory:\")"
        raise YamlReadError([YamlProblem("CX001", message, line, column, hint)]) from None
    except ReaderError as exc:  # a character YAML does not allow, such as NUL
        offset = exc.position if isinstance(exc.position, int) else 0
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
        message = f"character U+{character:04X} is not allowed in YAML"
        raise YamlReadError([YamlProblem("CX001", message, line, column, "remove it")]) from None
    except YAMLError as exc:
        raise YamlReadError([YamlProblem("CX001", str(exc), 1, 1)]) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise YamlReadError([YamlProblem("CX005", "nesting too deep", 1, 1)]) from None


class _Composer:
    """Builds the tree iteratively (no recursion, so depth can't blow the stack)."""

    def __init__(self, text: str):
        self.yaml = YAML(typ="safe", pure=_PURE)
        _, self.parser = self.yaml.get_constructor_parser(text)
        self.anchors: dict[str, tuple[object, int]] = {}
        self.nodes = 0
        #: Problems that leave the document readable (a duplicate key), in the order found.
        self.problems: list[YamlProblem] = []

    def fail(self, code: str, message: str, pos: Pos, hint: str | None = None):
        raise YamlReadError([YamlProblem(code, message, pos[0], pos[1], hint)])

    def compose(self) -> object:
        try:
            return self._compose()
        finally:
            self.parser.dispose()

    def _compose(self) -> object:
        root = None
        documents = 0
        # Each frame: [container, pending_key, pending_key_pos, size, anchor, merges]
        stack: list[list] = []
        get_event = self.parser.get_event
        while True:
            event = get_event()
            cls = type(event)
            if cls is ScalarEvent:
                mark = event.start_mark
                pos = (mark.line + 1, mark.column + 1)
                if event.tag is not None:
                    value = self._tagged_scalar(event)
                elif event.implicit[0]:
                    value = resolve_plain(event.value)
                else:
                    value = event.value
                if stack:
                    frame = stack[-1]
                    container = frame[0]
                    if event.anchor is None and frame[1] is _NO_KEY and type(container) is YamlMap:
                        frame[1], frame[2] = value, pos  # the common case: a key
                        frame[3] += 1
                        self.nodes += 1
                        continue
                    self._add(stack, value, pos, 1, event.anchor)
                else:
                    self._add(stack, value, pos, 1, event.anchor)
                    root = value
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                self._check_tag(event)
                pos = _pos(event.start_mark)
                if len(stack) >= MAX_DEPTH:
                    self.fail(
                        "CX005",
                        f"nesting is deeper than {MAX_DEPTH} levels",
                        pos,
                        "spec files are shallow; check the indentation",
                    )
                container = YamlMap(pos) if cls is MappingStartEvent else YamlSeq(pos)
                stack.append([container, _NO_KEY, None, 1, event.anchor, None])
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                container, _, _, size, anchor, merges = stack.pop()
                if merges:
                    self._merge(container, merges)
                if anchor is not None:
                    self.anchors[anchor] = (container, size)
                if stack:
                    # Its contents were counted as they came: the container adds itself only.
                    self._add(stack, container, container.pos, size, None, new_nodes=1)
                else:
                    root = container
            elif cls is AliasEvent:
                pos = _pos(event.start_mark)
                if event.anchor not in self.anchors:
                    self.fail("CX001", f"unknown alias *{event.anchor}", pos)
                value, size = self.anchors[event.anchor]
                self._add(stack, value, pos, size, None)
                if not stack:
                    root = value
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.fail(
                        "CX011",
                        "several YAML documents in one file",
                        _pos(event.start_mark),
                        "put each document in its own file",
                    )
            elif cls is StreamEndEvent:
                return root

    def _check_tag(self, event) -> None:
        tag = getattr(event, "tag", None)
        if tag and tag not in _KNOWN_TAGS and tag not in ("!", "?"):
            self.fail(
                "CX011",
                f"tag {tag} is not supported",
                _pos(event.start_mark),
                "remove the tag; spec files use plain YAML",
            )

    def _tagged_scalar(self, event):
        self._check_tag(event)
        if event.tag in (_STR_TAG, "!"):
            return event.value
        return resolve_plain(event.value)

    def _add(self, stack, value, pos: Pos, size: int, anchor, new_nodes: int | None = None) -> None:
        """Put a value into the open container; `size` is what it expands to (an alias: all of
        its anchor), `new_nodes` what it adds to the document's count (`size` unless given)."""
        self.nodes += size if new_nodes is None else new_nodes
        if self.nodes > MAX_NODES:
            self.fail(
                "CX004",
                f"the document expands to more than {MAX_NODES:,} nodes",
                pos,
                "aliases (*name) repeat what their anchor holds; use fewer of them",
            )
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not stack:
            return
        frame = stack[-1]
        container = frame[0]
        frame[3] += size
        if type(container) is YamlSeq:
            container.append(value)
            container.value_pos.append(pos)
            return
        if frame[1] is _NO_KEY:
            if isinstance(value, (YamlMap, YamlSeq)):
                self.fail("CX011", "a mapping key must be a plain value", pos)
            frame[1], frame[2] = value, pos
            return
        key, key_pos = frame[1], frame[2]
        frame[1] = _NO_KEY
        if key == "<<":
            if frame[5] is None:
                frame[5] = []
            frame[5].append((value, pos))
            return
        if key in container:
            # Reported, and the first value kept: the file still defines its items, so what
            # refers to them is not "unknown" (one repeated `target:` dropped goals.yaml, and
            # eight CX308s about metrics without a goal were printed before it).
            first = container.key_pos[key]
            if len(self.problems) > _MAX_PROBLEMS:
                return
            self.problems.append(
                YamlProblem(
                    "CX002",
                    f"duplicate key {key!r} (first at line {first[0]})",
                    key_pos[0],
                    key_pos[1],
                    "YAML keeps only one of them (cxspec reads the first); remove or rename one",
                )
            )
            return
        container[key] = value
        container.key_pos[key] = key_pos
        container.value_pos[key] = pos

    def _merge(self, container: YamlMap, merges) -> None:
        """`<<: *base` merge keys: keys already present win, as in YAML 1.1."""
        for value, pos in merges:
            sources = value if isinstance(value, YamlSeq) else [value]
            for source in sources:
                if not isinstance(source, YamlMap):
                    self.fail("CX011", "a merge key (<<) takes a mapping or a list of them", pos)
                for key, item in source.items():
                    if key not in container:
                        container[key] = item
                        container.key_pos[key] = source.key_pos[key]
                        container.value_pos[key] = source.value_pos[key]


#: Readable problems kept per document: the diagnostics sink reports 1,000 per file, then CX014.
_MAX_PROBLEMS = 1_000


class _NoKey:
    __slots__ = ()


_NO_KEY = _NoKey()


def load_bytes(raw: bytes) -> YamlDocument:
    text = decode(raw)
    data, problems = read_document(text)
    return YamlDocument(data, text, tuple(problems))
