"""A fragment's facts (cxspec/fragment_facts.py) are the same whether the user cache is off,
cold or warm: every corpus project gives the same diagnostics, word for word, and a warm
cache reads no tree. A cache that is corrupt or cannot be written is no cache."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from test_hostile_fragments import CORPUS as HOSTILE
from test_hostile_fragments import fragment_text

from cxspec import fragment_facts as facts_module
from cxspec import sqlfrag, user_cache
from cxspec.checks import fragments as fragment_check
from cxspec.fragment_facts import KIND, FragmentFacts, facts_of, fragment_facts
from cxspec.registry import default_registry
from cxspec.user_cache import CACHE_VARIABLE
from cxspec.validate import validate_project

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
PROJECTS = sorted(p for p in CORPUS.iterdir() if p.is_dir()) + [HERE.parent / "specs" / "acme"]
REGISTRY = default_registry()

#: Fragments with every kind of fact: conditions, comparisons of each constant type, calls on
#: and off the allow-list, problems of parsing and of confinement, other dialects.
FRAGMENTS = [
    ("touchpoint = 'chat'", "duckdb"),
    ("resolved", "duckdb"),
    ("(resolved)", "duckdb"),
    ("t.resolved", "duckdb"),
    ("resolved AND NOT escalated OR (vip)", "duckdb"),
    ("CASE WHEN flag THEN 1 ELSE 0 END", "duckdb"),
    ("resolved = 'no' AND score >= -3 AND 9 < score AND flag = true", "duckdb"),
    ("responded_at >= DATE '2026-01-01' AND at < TIMESTAMP '2026-01-01 10:00'", "duckdb"),
    ("channel IN ('web', 'app') AND score BETWEEN 0 AND 10", "duckdb"),
    ("lower(channel) = 'web' AND md5(note) = 'x' AND coalesce(a, b) = 1", "duckdb"),
    ("a + a * b - revenue / orders", "duckdb"),
    ("count(*) > 1", "duckdb"),
    ("score = 1; DROP TABLE x", "duckdb"),
    ("score = ’x’", "duckdb"),
    ("score = 1 AND", "duckdb"),
    ("", "duckdb"),
    ("`channel` = 'web'", "bigquery"),
    ("channel = 'web'", "postgres"),
] + [(fragment_text(e), e.get("dialect", "duckdb")) for e in HOSTILE]


def clear() -> None:
    fragment_facts.cache_clear()
    sqlfrag.parse_fragment.cache_clear()
    fragment_check.fragment_problems.cache_clear()


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_VARIABLE, str(folder))
    clear()
    yield folder
    clear()


def everything(project: Path, monkeypatch) -> list[tuple]:
    clear()
    monkeypatch.chdir(project)  # paths in diagnostics are relative to the project
    result = validate_project(".", REGISTRY)
    return [dataclasses.astuple(d) for d in result.diagnostics]


def no_trees(*_args):
    raise AssertionError("a fragment's tree was read although its facts were remembered")


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_diagnostics_are_the_same_with_the_cache_off_cold_and_warm(project, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    off = everything(project, monkeypatch)
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    cold = everything(project, monkeypatch)
    monkeypatch.setattr(facts_module, "facts_of", no_trees)
    warm = everything(project, monkeypatch)
    assert cold == off
    assert warm == off
    clear()


@pytest.mark.parametrize(("text", "dialect"), FRAGMENTS, ids=lambda v: repr(v)[:40])
def test_remembered_facts_are_the_facts(text, dialect, cache, monkeypatch):
    computed = facts_of(text, dialect)
    assert fragment_facts(text, dialect) == computed  # cold: computed, then stored
    clear()
    monkeypatch.setattr(facts_module, "facts_of", no_trees)
    assert fragment_facts(text, dialect) == computed  # warm: read back
    allowed = REGISTRY.sql_functions
    parsed = sqlfrag.parse_fragment(text, dialect)
    tree_problems = list(parsed.problems)
    if parsed.expression is not None:
        tree_problems += sqlfrag.confinement_problems(parsed.expression, allowed)
    assert list(computed.all_problems(allowed)) == tree_problems
    assert computed.all_problems(frozenset()) == computed.problems + tuple(p for p, _ in computed.confinement)


def test_facts_of_a_fragment():
    text = "resolved = 'no' AND (vip) AND score >= -3 AND at < DATE '2026-01-01' AND md5(x) = 1"
    facts = facts_of(text, "duckdb")
    assert facts.parses and facts.problems == ()
    assert facts.names == ["at", "x", "score", "resolved", "vip"]  # sqlglot's find_all order
    assert facts.conditions(predicate=True) == facts.conditions(predicate=False) == ["vip"]
    assert [(n, c.sql, c.type, c.literal, c.value) for n, c in facts.comparisons] == [
        ("at", "CAST('2026-01-01' AS DATE)", "TIMESTAMP", False, ""),
        ("score", "-3", "DOUBLE", False, ""),
        ("resolved", "'no'", "VARCHAR", True, "no"),
    ]  # md5(x) = 1 compares a call, not a column
    assert [(p.code, names) for p, names in facts.confinement] == [("CX504", ("md5",))]
    assert facts.all_problems(frozenset({"md5"})) == ()
    alone = facts_of("(flag)", "duckdb")
    assert alone.conditions(predicate=True) == ["flag"] and alone.conditions(predicate=False) == []
    assert facts_of("a = (", "duckdb") == FragmentFacts(False, facts_of("a = (", "duckdb").problems)


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"null", b"[]", b'{"parses": 1}', b"\xff\xfe", b"[" * 100_000, b'{"parses": true}'],
    ids=["empty", "cut", "null", "list", "wrong-type", "not-utf8", "deep", "missing-keys"],
)
def test_a_corrupt_fact_is_computed_again_and_replaced(content, cache):
    text = "touchpoint = 'chat' AND resolved"
    expected = facts_of(text, "duckdb")
    fragment_facts(text, "duckdb")
    (stored,) = (cache / KIND).iterdir()
    stored.write_bytes(content)
    clear()
    assert fragment_facts(text, "duckdb") == expected
    assert json.loads(stored.read_bytes()) == facts_module._encode(expected)


def test_a_fact_that_does_not_round_trip_is_not_believed(cache):
    text = "touchpoint = 'chat'"
    fragment_facts(text, "duckdb")
    (stored,) = (cache / KIND).iterdir()
    data = json.loads(stored.read_bytes())
    stored.write_text(json.dumps({**data, "extra": 1}))
    clear()
    assert fragment_facts(text, "duckdb") == facts_of(text, "duckdb")
    assert "extra" not in json.loads(stored.read_bytes())


def test_an_unusable_cache_is_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_VARIABLE, str(blocker))
    clear()
    assert fragment_facts("resolved", "duckdb") == facts_of("resolved", "duckdb")
    assert blocker.read_text() == "not a folder"
    folder = tmp_path / "read-only"
    (folder / KIND).mkdir(parents=True)
    (folder / KIND).chmod(0o500)
    monkeypatch.setenv(CACHE_VARIABLE, str(folder))
    clear()
    try:
        assert fragment_facts("resolved", "duckdb") == facts_of("resolved", "duckdb")
    finally:
        (folder / KIND).chmod(0o700)
    clear()


def test_the_key_holds_the_dialect_sqlglots_version_and_the_code(cache, monkeypatch):
    """Another dialect, sqlglot release or edit of the code that computes facts is another key."""
    fragment_facts("resolved", "duckdb")
    fragment_facts("resolved", "postgres")
    assert len(list((cache / KIND).iterdir())) == 2
    fingerprint = facts_module._fingerprint()
    assert fingerprint is not None
    monkeypatch.setattr(facts_module, "_fingerprint", lambda: "another sqlglot")
    clear()
    fragment_facts("resolved", "duckdb")
    assert len(list((cache / KIND).iterdir())) == 3
    monkeypatch.setattr(facts_module, "_fingerprint", lambda: None)  # unknown: never remembered
    clear()
    fragment_facts("other", "duckdb")
    assert len(list((cache / KIND).iterdir())) == 3


def test_the_fingerprint_reads_sqlglots_version_without_importing_it():
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from cxspec.fragment_facts import _fingerprint\n"
        "assert _fingerprint() is not None\n"
        "assert 'sqlglot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)


def test_user_cache_values_are_whole_or_absent(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    key = user_cache.content_key("kind", "content")
    assert user_cache.load("kind", key) is None
    user_cache.store("kind", key, {"a": [1, "b"]})
    assert user_cache.load("kind", key) == {"a": [1, "b"]}
    user_cache.store("kind", key, {"a": {1, 2}})  # not JSON: nothing stored, the old value stays
    assert user_cache.load("kind", key) == {"a": [1, "b"]}
    assert [p.name for p in (tmp_path / "kind").iterdir()] == [key]  # nothing left aside
    assert user_cache.load("kind", None) is None
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    user_cache.store("kind", key, 1)
    assert user_cache.load("kind", key) is None
