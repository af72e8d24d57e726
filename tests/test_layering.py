"""Dependencies point inward, as docs/architecture.md draws them:
app -> flows -> {core, edges} -> core.domain. bot/core is pure (no I/O library, no shell module);
each adapter in bot/edges wraps its own library without importing the core or another adapter;
a flow never reaches up into the app or the demo; only the command line knows the demo."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
IO_LIBRARIES = {"imapclient", "aiosmtpd", "smtplib", "sqlite3", "sqlite_utils", "socket",
                "urllib.request", "http.client", "http.server", "apscheduler", "jinja2",
                "subprocess", "requests", "os", "shutil"}
CORE_MAY_USE = {"bot.core", "selectolax", "mailparser_reply", "authres",
                "holidays"}
EDGE_MAY_USE = {"bot.core.domain", "bot.edges.clock"}


def _package(path: Path) -> list[str]:
    """bot/edges/oauth/client.py -> ["bot", "edges", "oauth"]."""
    return list(path.relative_to(BOT.parent).with_suffix("").parts[:-1])


def imports(path: Path, package: list[str] | None = None) -> set[str]:
    """Absolute names of what `path` imports; relative imports resolved against its package."""
    pkg = _package(path) if package is None else package
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = pkg[:len(pkg) - node.level + 1]
            names.add(".".join(base + ([node.module] if node.module else [])))
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


EDGES = sorted(p for p in (BOT / "edges").rglob("*.py") if p.name != "__init__.py"
               or p.parent != BOT / "edges")


@pytest.mark.parametrize("path", EDGES, ids=lambda p: str(p.relative_to(BOT / "edges")))
def test_edges_do_not_import_the_core_or_each_other(path: Path) -> None:
    """An edge split in a package (edges/oauth/) may import its own modules, nothing else."""
    own = ".".join(_package(path)) if path.parent != BOT / "edges" else None
    for name in imports(path):
        if name.startswith("bot"):
            assert any(name == ok or name.startswith(ok + ".") for ok in EDGE_MAY_USE) or \
                (own is not None and (name == own or name.startswith(own + "."))), \
                f"edges/{path.relative_to(BOT / 'edges')} imports {name}"


def test_a_split_edge_cannot_reach_a_sibling_edge(tmp_path: Path) -> None:
    """The rule above is not vacuous: a relative import out of the package is seen."""
    pkg = BOT / "edges" / "oauth"
    assert (pkg / "client.py") in EDGES and "bot.edges.oauth.tokens" in imports(pkg / "client.py")
    probe = tmp_path / "probe.py"
    probe.write_text("from ..store import Store\nfrom . import tokens\n", encoding="utf-8")
    assert imports(probe, ["bot", "edges", "oauth"]) == {"bot.edges.store", "bot.edges.oauth"}


@pytest.mark.parametrize("library, edge", [("authlib", "bot.edges.oauth"),
                                           ("requests", "bot.edges.oauth"),
                                           ("prometheus_client", "bot.edges.metrics")])
def test_a_library_is_wrapped_by_one_edge(library: str, edge: str) -> None:
    """Swapping OAuth2 or metrics libraries again stays a change in one place."""
    users = {".".join(_package(p) + [p.stem]) for p in BOT.rglob("*.py")
             if any(_top(n) == library for n in imports(p))}
    assert users, f"nothing imports {library}"
    assert all(u == edge or u.startswith(edge + ".") for u in users), sorted(users)


FLOWS = sorted((BOT / "flows").rglob("*.py"))
TOP_LEVEL = {"__init__.py", "__main__.py", "core", "edges", "flows", "app", "demo"}


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_flows_use_only_the_core_the_edges_and_other_flows(path: Path) -> None:
    for name in imports(path):
        if name.startswith("bot"):
            assert name.split(".")[1] in {"core", "edges", "flows"}, f"flows/{path.name} imports {name}"


@pytest.mark.parametrize("path", sorted(p for p in BOT.rglob("*.py")
                                        if p.relative_to(BOT).parts[0] not in {"app", "demo"}
                                        and p.name != "__main__.py"),
                         ids=lambda p: str(p.relative_to(BOT)))
def test_nothing_below_the_app_imports_it_or_the_demo(path: Path) -> None:
    for name in imports(path):
        assert not name.startswith(("bot.app", "bot.demo")), f"{path.relative_to(BOT)} imports {name}"


def test_only_the_command_line_knows_the_demo() -> None:
    users = {str(p.relative_to(BOT)) for p in (BOT / "app").rglob("*.py")
             if any(n.startswith("bot.demo") for n in imports(p))}
    assert users <= {"app/cli.py"} or all(u.startswith("app/cli") for u in users), sorted(users)


def test_the_top_level_shows_the_rooms() -> None:
    """Seven entries: the flow reads from the listing (core, edges, flows, app, demo)."""
    entries = {p.name for p in BOT.iterdir() if p.name != "__pycache__"}
    assert entries == TOP_LEVEL, sorted(entries ^ TOP_LEVEL)


ARCHITECTURE = BOT.parent / "docs" / "architecture.md"


def test_the_architecture_document_names_every_room_and_flow() -> None:
    """docs/architecture.md cannot drift: its table has a row per room of bot/, and the
    flows it describes are exactly the flow objects the Service builds."""
    import re
    text = ARCHITECTURE.read_text(encoding="utf-8")
    rooms = set(re.findall(r"^\| `bot/(\w+)/` \|", text, flags=re.M))
    assert rooms == {p.name for p in BOT.iterdir() if p.is_dir() and p.name != "__pycache__"}
    described = set(re.findall(r"^- \*\*(\w+)\*\*:", text, flags=re.M))
    service = ast.parse((BOT / "app" / "service.py").read_text(encoding="utf-8"))
    from_flows = {alias.asname or alias.name for node in ast.walk(service)
                  if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                      "bot.flows") for alias in node.names}
    built = {node.func.id for node in ast.walk(service) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name) and node.func.id in from_flows
             and node.func.id[0].isupper()}
    assert built - {"Completions", "IntakeMode", "Origin"} == described, \
        sorted(built ^ described)


def _classes_defined_in_bot() -> set[str]:
    return {node.name for path in BOT.rglob("*.py")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ClassDef)}


#: Our own classes that others may extend: errors only, never behaviour.
OWN_BASES_ALLOWED = {"ConfigError"}


@pytest.mark.parametrize("path", sorted((BOT / "flows").rglob("*.py"))
                         + sorted((BOT / "app").rglob("*.py")), ids=lambda p: p.stem)
def test_flows_and_the_app_compose_instead_of_inheriting(path: Path) -> None:
    """No mixins, no shared base: a flow or the Service gets what it uses in its
    constructor, so a call from intake to the outbox is never an inherited lookup.
    (Extending a library's class, like logging.Formatter, is fine.)"""
    own = _classes_defined_in_bot() - OWN_BASES_ALLOWED
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inherited = [f"{node.name}({ast.unparse(base)})" for node in ast.walk(tree)
                 if isinstance(node, ast.ClassDef) for base in node.bases
                 if ast.unparse(base).split(".")[-1] in own]
    assert not inherited, inherited


def test_the_service_has_no_base_class() -> None:
    from bot.app.service import Service
    assert Service.__bases__ == (object,)


PRODUCT_FILES = sorted(BOT.rglob("*.py"))
MAX_FILE_LINES, MAX_FUNCTION_LINES = 400, 60


@pytest.mark.parametrize("path", PRODUCT_FILES, ids=lambda p: str(p.relative_to(BOT)))
def test_rooms_stay_small(path: Path) -> None:
    """A file that outgrows 400 lines, or a function 60, holds more than one responsibility:
    split it along them (as the packages under core/, edges/ and app/ are)."""
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_FILE_LINES, f"{text.count(chr(10))} lines"
    long = [f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
            for node in ast.walk(ast.parse(text))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, long
