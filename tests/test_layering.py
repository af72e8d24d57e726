"""Dependencies point inward: bot/core is pure (no I/O library, no shell module), and each
adapter in bot/edges wraps its own library without importing the core or another adapter."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
IO_LIBRARIES = {"imapclient", "aiosmtpd", "smtplib", "sqlite3", "sqlite_utils", "socket",
                "urllib.request", "http.client", "http.server", "apscheduler", "jinja2",
                "subprocess", "requests", "os", "shutil"}
CORE_MAY_USE = {"bot.domain", "bot.core", "selectolax", "mailparser_reply", "authres",
                "holidays"}
EDGE_MAY_USE = {"bot.domain", "bot.clock"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.add("bot.core." + (node.module or ""))  # relative imports stay in the package
    return names


def _top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", sorted((BOT / "core").rglob("*.py")), ids=lambda p: p.name)
def test_core_is_pure(path: Path) -> None:
    for name in imports(path):
        if _top(name) in sys.stdlib_module_names:
            assert not any(name == io or name.startswith(io + ".") for io in IO_LIBRARIES), \
                f"{path.name} imports {name}"
        else:
            assert any(name == ok or name.startswith(ok + ".") for ok in CORE_MAY_USE), \
                f"{path.name} imports {name}"


@pytest.mark.parametrize("path", sorted((BOT / "edges").glob("*.py")), ids=lambda p: p.name)
def test_edges_do_not_import_the_core_or_each_other(path: Path) -> None:
    for name in imports(path):
        if name.startswith("bot"):
            assert any(name == ok or name.startswith(ok + ".") for ok in EDGE_MAY_USE), \
                f"edges/{path.name} imports {name}"
