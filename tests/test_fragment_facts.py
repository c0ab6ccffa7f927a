"""A fragment's facts (cxspec/fragment_facts.py) are the same whether the user cache is off,
cold or warm: every corpus project gives the same diagnostics, word for word, and a warm
cache reads no tree. A cache that is corrupt or cannot be written is no cache."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from test_hostile_fragments import CORPUS as HOSTILE
from test_hostile_fragments import fragment_text

from cxspec import fragment_facts as facts_module
from cxspec import sqlfrag, user_cache
from cxspec.fragment_facts import KIND, FragmentFacts, facts_of, forget, fragment_facts
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
    forget()


def log_of(cache: Path) -> Path:
    (log,) = (cache / KIND).iterdir()
    return log


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
        ("at", "CAST('2026-01-01' AS DATE)", "TIMESTAMP", False, "2026-01-01"),
        ("score", "-3", "DOUBLE", False, ""),
        ("resolved", "'no'", "VARCHAR", True, "no"),
    ]  # md5(x) = 1 compares a call, not a column
    # every constant of an IN list and a BETWEEN (CX408 checks each)
    listed = facts_of("t IN ('2026-01-09', 'now') OR t BETWEEN DATE '2026-1-5' AND 'x'", "duckdb")
    assert [(n, c.value) for n, c in listed.comparisons] == [
        ("t", "2026-01-09"), ("t", "now"), ("t", "2026-1-5"), ("t", "x")
    ]
    assert [(p.code, names) for p, names in facts.confinement] == [("CX504", ("md5",))]
    assert facts.all_problems(frozenset({"md5"})) == ()
    alone = facts_of("(flag)", "duckdb")
    assert alone.conditions(predicate=True) == ["flag"] and alone.conditions(predicate=False) == []
    assert facts_of("a = (", "duckdb") == FragmentFacts(False, facts_of("a = (", "duckdb").problems)


@pytest.mark.parametrize(
    "damage",
    [
        lambda line: b"",
        lambda line: line[: len(line) // 2],  # cut off
        lambda line: line.replace(b'"touchpoint"', b'"touchpoinX"'),  # its check fails
        lambda line: line.replace(b"touchpoint", b"\xff\xfe"),  # not ASCII
        lambda line: line.split(b" ")[0] + b" nonsense",
        lambda line: b"\x00" * 64,
    ],
    ids=["empty", "cut", "garbled", "not-ascii", "no-check", "zeros"],
)
def test_a_damaged_fact_is_computed_again_and_appended(damage, cache):
    text = "touchpoint = 'chat' AND resolved"
    expected = facts_of(text, "duckdb")
    fragment_facts(text, "duckdb")
    log = log_of(cache)
    (line,) = log.read_bytes().splitlines()
    log.write_bytes(damage(line) + b"\n")
    clear()
    assert fragment_facts(text, "duckdb") == expected
    assert log.read_bytes().splitlines()[-1] == line  # appended again, after the damaged one
    clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(facts_module, "facts_of", no_trees)
        assert fragment_facts(text, "duckdb") == expected  # the last line is the one read


def test_a_fact_that_is_not_what_facts_are_is_not_believed(cache):
    """A line whose check holds but whose JSON is not facts (another version's) is computed again."""
    text = "touchpoint = 'chat'"
    fragment_facts(text, "duckdb")
    log = log_of(cache)
    key = log.read_text().split(" ")[0]
    for wrong in ({"parses": 1}, [], {**facts_module._encode(facts_of(text, "duckdb")), "extra": 1}):
        clear()
        log.write_text("")
        user_cache.Log(KIND, log.name).put(key, wrong)
        assert fragment_facts(text, "duckdb") == facts_of(text, "duckdb")


def test_a_log_too_large_is_started_again(cache, monkeypatch):
    fragment_facts("resolved", "duckdb")
    log = log_of(cache)
    monkeypatch.setattr(user_cache, "MAX_LOG_BYTES", 10)
    clear()
    fragment_facts("other", "duckdb")
    assert [line.split(" ")[0] for line in log.read_text().splitlines()] == [
        user_cache.content_key(KIND, ["duckdb", "other"])
    ]


def test_an_unusable_cache_is_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_VARIABLE, str(blocker))
    clear()
    assert fragment_facts("resolved", "duckdb") == facts_of("resolved", "duckdb")
    assert fragment_facts("other", "duckdb") == facts_of("other", "duckdb")
    assert blocker.read_text() == "not a folder"
    folder = tmp_path / "log-is-a-folder"
    monkeypatch.setenv(CACHE_VARIABLE, str(folder))
    clear()
    (folder / KIND / facts_module._log().path.name).mkdir(parents=True)
    assert fragment_facts("resolved", "duckdb") == facts_of("resolved", "duckdb")
    clear()


def test_the_log_holds_the_dialect_sqlglots_version_and_the_code(cache, monkeypatch):
    """Another dialect is another key; another sqlglot release or edit of the code that
    computes facts is another log."""
    fragment_facts("resolved", "duckdb")
    fragment_facts("resolved", "postgres")
    assert len(log_of(cache).read_text().splitlines()) == 2
    assert facts_module._fingerprint() is not None
    monkeypatch.setattr(facts_module, "_fingerprint", lambda: "another-sqlglot")
    clear()
    fragment_facts("resolved", "duckdb")
    assert "another-sqlglot.log" in [p.name for p in (cache / KIND).iterdir()]
    monkeypatch.setattr(facts_module, "_fingerprint", lambda: None)  # unknown: never remembered
    clear()
    fragment_facts("other", "duckdb")
    assert len(list((cache / KIND).iterdir())) == 2


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


def test_a_user_cache_log(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    key = user_cache.content_key("kind", "content")
    log = user_cache.Log("kind", "log")
    assert log.get(key) is None
    log.put(key, {"a": [1, "b\nc"]})
    log.put(key, {"a": {1, 2}})  # not JSON: nothing appended
    assert user_cache.Log("kind", "log").get(key) == {"a": [1, "b\nc"]}
    assert len((tmp_path / "kind" / "log").read_text().splitlines()) == 1
    assert log.get(None) is None
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    off = user_cache.Log("kind", "log")
    off.put(key, 1)
    assert off.get(key) is None


def test_the_sql_of_constants_is_sqlglots():
    """Constants' SQL is remembered by their shape (class, comments, arguments): each is what
    sqlglot writes for it, cases, quotes, comments and number texts told apart."""
    from sqlglot import exp

    texts = (
        "a = 'Web' OR a = 'web' OR a = 'it''s' OR a = 'x' /* note */ OR a = 'x'",
        "b = 1 OR b = 1.0 OR b = 1e3 OR b = -1 OR b = - 1 OR b = -1.50 OR b = 01",
        "c = true OR c = FALSE OR c = 'true' OR d = DATE '2026-01-01' OR d = CAST('1' AS INT)",
        "e = E'\\n' OR e = 'a\\b' OR e = '' OR f BETWEEN -2 AND 'z' OR g IN (1, '1', -1)",
    )
    for text in texts:
        tree = sqlfrag.parse_fragment(text, "duckdb").expression
        constants = [c for c in tree.walk() if isinstance(c, (exp.Literal, exp.Boolean, exp.Neg, exp.Cast))]
        assert len(constants) >= 5
        for node in constants:
            assert facts_module._sql(node) == node.sql()
            assert facts_module._sql(node) == node.sql()  # remembered
    assert facts_module._shape(exp.Literal.string("Web")) != facts_module._shape(exp.Literal.string("web"))


def test_processes_appending_at_once_keep_every_line_whole(tmp_path, monkeypatch):
    """Four processes append 300 values each to one log at the same time: every line reads back."""
    import subprocess
    import sys

    writer = (
        "import sys\n"
        "from cxspec import user_cache\n"
        "log = user_cache.Log('kind', 'log')\n"
        "for i in range(300):\n"
        "    log.put(f'{sys.argv[1]}-{i}', {'value': [sys.argv[1]] * (i % 40), 'i': i})\n"
    )
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    env = {**os.environ}
    writers = [subprocess.Popen([sys.executable, "-c", writer, name], env=env) for name in "abcd"]
    assert [w.wait() for w in writers] == [0, 0, 0, 0]
    lines = (tmp_path / "kind" / "log").read_text().splitlines()
    assert len(lines) == 1200
    log = user_cache.Log("kind", "log")
    for name in "abcd":
        for i in range(300):
            assert log.get(f"{name}-{i}") == {"value": [name] * (i % 40), "i": i}


@pytest.mark.parametrize("value", ["off", "OFF", " Off ", ""])
def test_the_cache_is_off_whatever_the_case_of_off(value, tmp_path, monkeypatch):
    """CXSPEC_CACHE_DIR=OFF made a folder named OFF in the current folder (a project's)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CACHE_VARIABLE, value)
    assert user_cache.cache_dir() is None
    log = user_cache.Log("kind", "log")
    log.put(user_cache.content_key("kind", "content"), 1)
    assert list(tmp_path.iterdir()) == []


def test_a_log_that_is_a_symbolic_link_is_neither_read_nor_written(tmp_path, monkeypatch):
    """In a cache folder others can write (CXSPEC_CACHE_DIR=/tmp/…), a log planted as a link
    to another file had its facts believed and facts appended to that file."""
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    key = user_cache.content_key("kind", "content")
    target = tmp_path / "elsewhere.txt"
    target.write_text("mine\n")
    (tmp_path / "cache" / "kind").mkdir(parents=True)
    (tmp_path / "cache" / "kind" / "log").symlink_to(target)
    log = user_cache.Log("kind", "log")
    log.put(key, 1)
    assert target.read_text() == "mine\n"
    text = '{"a":1}'
    target.write_text(f"{key} {user_cache._check(text)} {text}\n")
    assert user_cache.Log("kind", "log").get(key) is None


def test_a_named_pipe_in_place_of_the_log_does_not_hold_validate(tmp_path):
    import subprocess
    import sys

    (tmp_path / "cache" / "kind").mkdir(parents=True)
    os.mkfifo(tmp_path / "cache" / "kind" / "log")
    script = (
        "from cxspec import user_cache\n"
        "log = user_cache.Log('kind', 'log')\n"
        "key = user_cache.content_key('kind', 'content')\n"
        "assert log.get(key) is None\n"
        "log.put(key, 1)\n"
        "assert log.get(key) is None\n"
    )
    env = dict(os.environ, **{CACHE_VARIABLE: str(tmp_path / "cache")})
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=root, timeout=60, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_remembered_fact_is_never_a_symbolic_link_nor_waits(tmp_path, monkeypatch):
    """The facts kept as empty files (`known`, `remember`: a plugin schema found valid) have
    the log's hazards: a link planted under a fact's key was believed, and `remember` created
    the file it names; a named pipe there held `remember` forever."""
    import subprocess
    import sys

    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "kind"
    folder.mkdir(parents=True)
    planted = user_cache.content_key("kind", "planted")
    target = tmp_path / "elsewhere.txt"
    target.write_text("mine\n")
    (folder / planted).symlink_to(target)
    assert not user_cache.known("kind", planted)
    created = user_cache.content_key("kind", "created")
    (folder / created).symlink_to(tmp_path / "made-by-cxspec")
    user_cache.remember("kind", created)
    assert not (tmp_path / "made-by-cxspec").exists()
    fifo = user_cache.content_key("kind", "fifo")
    os.mkfifo(folder / fifo)
    script = f"from cxspec import user_cache\nuser_cache.remember('kind', {fifo!r})\n"
    env = dict(os.environ, **{CACHE_VARIABLE: str(tmp_path / "cache")})
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=root, timeout=60, capture_output=True)
    assert done.returncode == 0, done.stderr
    plain = user_cache.content_key("kind", "plain")
    user_cache.remember("kind", plain)
    assert user_cache.known("kind", plain)  # an ordinary fact is still remembered
