"""JUnit XML: one test case per checked file, failing with the errors found in it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from cxspec.diagnostics import Severity
from cxspec.project_files import CONFIG_FILE

#: Characters XML 1.0 cannot hold at all (ElementTree writes them as they are, which makes the
#: report unreadable); user input such as a fragment in an error message can contain them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def render(diagnostics, context) -> str:
    files = sorted({CONFIG_FILE, *context.files, *(d.file for d in diagnostics)})
    by_file: dict[str, list] = {f: [] for f in files}
    for d in diagnostics:
        by_file[d.file].append(d)
    failing = getattr(context, "failing", frozenset({Severity.ERROR}))
    failures = sum(any(d.severity in failing for d in ds) for ds in by_file.values())
    suites = ET.Element(
        "testsuites", name="cxspec", tests=str(len(files)), failures=str(failures), errors="0"
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"cxspec {context.command}",
        tests=str(len(files)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for file in files:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"cxspec.{context.command}",
            name=_xml_text(context.path_prefix + file),
            file=_xml_text(context.path_prefix + file),
        )
        found = by_file[file]
        errors = [d for d in found if d.severity in failing]
        if errors:
            failure = ET.SubElement(
                case,
                "failure",
                type=errors[0].code,
                message=_xml_text(f"{_count(errors)}: {errors[0].code} {errors[0].message}"),
            )
            failure.text = _xml_text(_listing(found, context))
        elif found:
            ET.SubElement(case, "system-out").text = _xml_text(_listing(found, context))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _count(failing) -> str:
    """`2 errors`, or `1 error, 1 warning` when warnings fail too (--strict)."""
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = sum(d.severity is severity for d in failing)
        if n:
            parts.append(f"{n} {severity.value}{'' if n == 1 else 's'}")
    return ", ".join(parts)


def _listing(found, context) -> str:
    return "\n".join(
        f"{context.path_prefix}{d.location}: {d.severity.value} {d.code}: {d.message}"
        + (f" (hint: {d.hint})" if d.hint else "")
        for d in found
    )
