"""Which part may import which: read from the source (every import statement of every module,
also those inside functions and under TYPE_CHECKING), never by importing it.

    contracts   the neutral messages, the messenger and platform contracts: a leaf
    models      the store                      (may use places, publish)
    scheduler   the outbox and planners        (may use contracts, models, ops)
    handlers    the conversation core          (may use contracts, models, scheduler, places …)
    bot         the wiring (bot/app.py), the adapters (bot/telegram, bot/matrix) and commands

Not yet in one direction: `publish` and `web` use the handlers' catalogues and wording
(handlers.i18n, .text, .formatting) while handlers use `publish` for notices, calendars and links.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "bot",
    "contracts",
    "handlers",
    "models",
    "ops",
    "places",
    "publish",
    "scheduler",
    "web",
)
# Packages whose imports between each other must not go round in a circle.
LAYERED = ("bot", "contracts", "handlers", "models", "ops", "places", "scheduler")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(path: Path) -> Iterator[str]:
    """Absolute names of what the module imports (`from x import y` gives x and x.y)."""
    module = _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield source
            yield from (f"{source}.{alias.name}" for alias in node.names)


def _graph() -> dict[str, set[str]]:
    """Module -> the modules and packages it imports (of any origin)."""
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            graph[_module_name(path)] = set(_imported(path))
    return graph


GRAPH = _graph()


def _imports_of(prefixes: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    """'module -> imported' for every module under `prefixes` importing under `forbidden`."""

    def under(name: str, roots: tuple[str, ...]) -> bool:
        return any(name == root or name.startswith(root + ".") for root in roots)

    return sorted(
        f"{module} -> {name}"
        for module, names in GRAPH.items()
        if under(module, prefixes)
        for name in names
        if under(name, forbidden)
    )


def test_the_contracts_import_nothing_of_the_project() -> None:
    others = tuple(p for p in PACKAGES if p != "contracts")
    assert _imports_of(("contracts",), others) == []


def test_the_scheduler_does_not_import_the_conversation() -> None:
    assert _imports_of(("scheduler",), ("handlers", "bot", "web")) == []


def test_the_store_does_not_import_the_conversation_or_the_scheduler() -> None:
    assert _imports_of(("models",), ("handlers", "scheduler", "bot", "web")) == []


def test_the_conversation_knows_no_chat_platform() -> None:
    assert _imports_of(("handlers",), ("telegram", "nio", "bot")) == []


def test_the_adapters_do_not_import_the_wiring() -> None:
    adapters = ("bot.telegram", "bot.matrix", "bot.chats")
    assert _imports_of(adapters, ("bot.app", "bot.cli")) == []


def test_no_circle_between_packages() -> None:
    edges = {
        package: {
            name.split(".")[0]
            for module, names in GRAPH.items()
            if module.split(".")[0] == package
            for name in names
            if name.split(".")[0] in LAYERED and name.split(".")[0] != package
        }
        for package in LAYERED
    }
    circles = []

    def walk(package: str, path: list[str]) -> None:
        for following in sorted(edges[package]):
            if following == path[0]:
                circles.append(" -> ".join([*path, following]))
            elif following not in path:
                walk(following, [*path, following])

    for package in LAYERED:
        walk(package, [package])
    assert circles == []


# Feature modules (handlers.core.FEATURES) reach each other only through the router: typed
# buttons and requests (handlers.handover), never by importing each other.
FEATURE_MODULES = tuple(
    f"handlers.{name}"
    for name in (
        "alerts companions coordination digest group_digest ideas loneliness managing "
        "moderation notice offer_detail posting privacy reminders search settings small_talk "
        "start"
    ).split()
)
# Imports between features not yet replaced by a hand-over; this list may only shrink.
NOT_YET = {
    "handlers.loneliness -> handlers.search",
}


def _between_features() -> set[str]:
    return {
        f"{module} -> {name}"
        for module in FEATURE_MODULES
        for name in GRAPH[module]
        if name in FEATURE_MODULES and name != module
    }


def test_the_feature_modules_are_the_routed_features() -> None:
    source = (ROOT / "handlers" / "core.py").read_text(encoding="utf-8")
    listed = {f"handlers.{name}" for name in re.findall(r"^    (\w+)\.FEATURE,$", source, re.M)}
    assert listed == set(FEATURE_MODULES)


def test_posting_managing_and_ideas_hand_over_without_importing_each_other() -> None:
    among = ("handlers.posting", "handlers.managing", "handlers.ideas")
    assert (
        sorted(
            edge for edge in _between_features() if all(end in among for end in edge.split(" -> "))
        )
        == []
    )


def test_no_new_import_between_features() -> None:
    assert sorted(_between_features() - NOT_YET) == []
    assert sorted(NOT_YET - _between_features()) == []  # gone: strike it from NOT_YET
