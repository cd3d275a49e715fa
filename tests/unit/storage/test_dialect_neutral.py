"""Storage stays dialect-neutral (docs/architecture.md "Storage", issue 16 item 7): SQL goes through
SQLAlchemy Core, and what only SQLite can do lives in named modules.

Each rule scans the source of bibliofile/storage (migrations included) and fails on a breach
outside the modules listed for it; every allowed module carries its reason, as JabRef's
architecture tests do (``AllowedToUseLogic``), and an exception that is no longer used fails
too, so the list never grows stale. Docstrings and comments are not code and are not scanned.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import bibliofile.storage

STORAGE = Path(bibliofile.storage.__file__).resolve().parent

ENGINE_REASON = (
    "the engine module: the read-only connections of the engine's creator and of the checks, the "
    "per-connection PRAGMAs and BEGIN IMMEDIATE, SQLite's error codes for plain messages"
)
DIALECT_REASON = (
    "the SQLite dialect module: WAL checkpoints, integrity checks, the online backup, the schema "
    "read without an engine, the data_version probe of the order cache"
)
FTS5_REASON = (
    "full-text search is allowed to stay SQLite-specific behind the SearchIndex interface "
    "(docs/architecture.md: an FTS5 index now, a tsvector one for PostgreSQL): FTS5 DDL, MATCH, and the "
    "index rows' executemany"
)
FILE_PAGES_REASON = (
    "the attached files' pages (issue 19) are full-text search too, behind storage/fulltext.py: FTS5 DDL, "
    "its trigger, MATCH, and the pages' rowid ranges"
)
FIRST_SCREEN_REASON = (
    "the window's first screen of a local library, read with sqlite3 before SQLAlchemy is imported "
    "(issue 22, docs/adr: first screen before SQLAlchemy); a server library takes the full open"
)

# rule -> {module (relative to storage/): why it may}
ALLOWED: dict[str, dict[str, str]] = {
    "sqlite3.connect": {
        "engine.py": ENGINE_REASON,
        "sqlite_dialect.py": DIALECT_REASON,
        "first_screen.py": FIRST_SCREEN_REASON,
    },
    "import sqlite3": {
        "engine.py": ENGINE_REASON,
        "sqlite_dialect.py": DIALECT_REASON,
        "first_screen.py": FIRST_SCREEN_REASON,
    },
    "SQL with ? placeholders": {
        "search_fts5.py": FTS5_REASON,
        "fulltext_fts5.py": FILE_PAGES_REASON,
        "first_screen.py": FIRST_SCREEN_REASON,
    },
    "text() SQL": {"search_fts5.py": FTS5_REASON, "fulltext_fts5.py": FILE_PAGES_REASON},
    "SQL string to exec_driver_sql": {
        "engine.py": ENGINE_REASON,
        "sqlite_dialect.py": DIALECT_REASON,
        "search_fts5.py": FTS5_REASON,
        "fulltext_fts5.py": FILE_PAGES_REASON,
    },
    "SQLite-only SQL (PRAGMA, sqlite_master, json_*)": {
        "engine.py": ENGINE_REASON,
        "sqlite_dialect.py": DIALECT_REASON,
        "first_screen.py": FIRST_SCREEN_REASON,
    },
}

_SQL = re.compile(r"\b(SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|PRAGMA|CREATE|DROP|ALTER|BEGIN|VALUES|WHERE)\b")
_SQLITE_ONLY = re.compile(r"\bPRAGMA\b|\bsqlite_master\b|\bjson_(extract|group_array|each)\b", re.I)


@dataclass(frozen=True, order=True)
class Breach:
    module: str
    line: int
    rule: str

    def __str__(self) -> str:
        return f"storage/{self.module}:{self.line}: {self.rule}"


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (not code)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                out.add(id(first.value))
    return out


def _string_of(node: ast.AST) -> str | None:
    """The text of a string literal or f-string (its holes as ``{}``), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _called(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Attribute):
        base = f.value.id if isinstance(f.value, ast.Name) else ""
        return f"{base}.{f.attr}"
    return f.id if isinstance(f, ast.Name) else ""


def breaches(source: str, module: str) -> Iterator[Breach]:
    """Every place in ``source`` that breaks one of the rules, whatever the allowances."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    inside_fstring: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inside_fstring.update(id(v) for v in node.values)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import) and any(a.name == "sqlite3" for a in node.names):
            yield Breach(module, line, "import sqlite3")
        if isinstance(node, ast.ImportFrom) and node.module == "sqlite3":
            yield Breach(module, line, "import sqlite3")
        if isinstance(node, ast.Call):
            name = _called(node)
            if name == "sqlite3.connect":
                yield Breach(module, line, "sqlite3.connect")
            if name in ("text", "sqlalchemy.text", "sa.text") and node.args:
                yield Breach(module, line, "text() SQL")
            if name.endswith(".exec_driver_sql") and node.args and _string_of(node.args[0]) is not None:
                yield Breach(module, line, "SQL string to exec_driver_sql")
            if name in ("func.json_extract", "func.json_group_array", "func.json_each"):
                yield Breach(module, line, "SQLite-only SQL (PRAGMA, sqlite_master, json_*)")
        if id(node) in docs or id(node) in inside_fstring:
            continue
        text = _string_of(node)
        if text is None or not _SQL.search(text):
            continue
        if "?" in text:
            yield Breach(module, line, "SQL with ? placeholders")
        if _SQLITE_ONLY.search(text):
            yield Breach(module, line, "SQLite-only SQL (PRAGMA, sqlite_master, json_*)")


def _all_breaches() -> list[Breach]:
    found: list[Breach] = []
    for path in sorted(STORAGE.rglob("*.py")):
        module = path.relative_to(STORAGE).as_posix()
        found.extend(breaches(path.read_text(encoding="utf-8"), module))
    return found


def test_storage_modules_were_found() -> None:
    """The scan reads the real package (a wrong folder would find nothing and pass)."""
    names = {p.name for p in STORAGE.glob("*.py")}
    assert {"library.py", "curation.py", "engine.py", "sqlite_dialect.py", "search_fts5.py"} <= names


@pytest.mark.parametrize("rule", sorted(ALLOWED))
def test_no_breach_outside_the_allowed_modules(rule: str) -> None:
    wrong = [str(b) for b in sorted(_all_breaches()) if b.rule == rule and b.module not in ALLOWED[rule]]
    assert not wrong, f"{rule} outside {sorted(ALLOWED[rule])}: use SQLAlchemy Core, or a function of sqlite_dialect.py:\n" + "\n".join(wrong)


def test_every_allowed_exception_is_still_needed() -> None:
    used = {(b.rule, b.module) for b in _all_breaches()}
    stale = [f"{rule}: {module}" for rule, modules in ALLOWED.items() for module in modules if (rule, module) not in used]
    assert not stale, "allowed but no longer used (take it off ALLOWED):\n" + "\n".join(stale)


# What the review found at 0166c48 (issue 16, item 7), in the shape it was written then: each
# must be caught, or the rules above could pass on anything.
OLD_CODE: list[tuple[str, str]] = [
    (
        "SQL with ? placeholders",
        "def put(conn, rows):\n"
        "    conn.exec_driver_sql(\n"
        "        'UPDATE \"references\" SET read_status = ?, priority = ? WHERE id = ?', rows)\n",
    ),
    (
        "SQL string to exec_driver_sql",
        "def tag(conn, new):\n    conn.exec_driver_sql('INSERT INTO reference_tags (reference_id, tag_id) VALUES (?, ?)', new)\n",
    ),
    (
        "sqlite3.connect",
        "import sqlite3\ndef run(path):\n    conn = sqlite3.connect(str(path))\n    conn.execute('PRAGMA wal_checkpoint(PASSIVE)')\n",
    ),
    ("import sqlite3", "import sqlite3\n"),
    (
        "text() SQL",
        "def n(conn):\n    conn.execute(text('UPDATE reference_fts SET notes = :n WHERE rowid = :r'), {})\n",
    ),
    (
        "SQLite-only SQL (PRAGMA, sqlite_master, json_*)",
        "def p(R):\n    return select(R.id, func.json_extract(R.fields_json, '$.isbn'))\n",
    ),
    (
        "SQL with ? placeholders",
        "def ins(conn, names, marks):\n    conn.exec_driver_sql(f'INSERT INTO t ({names}) VALUES (?, ?)', [])\n",
    ),
]


@pytest.mark.parametrize(("rule", "source"), OLD_CODE)
def test_the_rules_catch_what_the_review_found(rule: str, source: str) -> None:
    assert rule in {b.rule for b in breaches(source, "curation.py")}


@pytest.mark.parametrize(
    "source",
    [
        '"""Docstrings may say: SELECT x FROM t WHERE id = ? (prose, not code)."""\n',
        "def f(conn, stmt):\n    conn.exec_driver_sql(str(stmt.compile()), [])\n",
        "def g():\n    return 'Is this a question?'\n",
    ],
)
def test_prose_and_compiled_statements_are_not_breaches(source: str) -> None:
    assert list(breaches(source, "curation.py")) == []

