"""Every user-facing string is in the catalogues, and the German one is complete."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from handlers.i18n import LOCALES, Translator

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _extracted(tmp_path: Path) -> set[str]:
    pot = tmp_path / "nahbar.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "t",
            "-k",
            "n:1,2",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


def _catalogue(language: str):
    with (LOCALES / language / "LC_MESSAGES" / "nahbar.po").open("rb") as f:
        return read_po(f, locale=language)


def test_german_catalogue_translates_every_string_in_the_code(tmp_path):
    in_code = _extracted(tmp_path)
    german = _catalogue("de")
    assert len(in_code) > 50
    missing = sorted(
        str(m)
        for m in in_code
        if m not in german
        or not all(german[m].string if isinstance(german[m].string, tuple) else (german[m].string,))
    )
    assert not missing, f"untranslated: {missing}"
    for message in german:
        if message.id:
            assert not message.fuzzy, message.id
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
            for string in strings:  # every plural form names the same values
                assert string and set(PLACEHOLDER.findall(string)) <= wanted | {"count"}, message.id
    english = _catalogue("en")
    assert in_code <= {m.id for m in english if m.id}


def test_translator_switches_language():
    assert Translator("de")("🔙 Back") == "🔙 Zurück"
    assert Translator("en")("🔙 Back") == "🔙 Back"
    assert Translator("de")("{km} km", km="2,3") == "2,3 km"


def _shown_strings(path: Path):
    """String constants in a module, docstrings left out."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.lineno, node.value


def test_handlers_and_adapters_have_no_hard_coded_german():
    # Umlauts or typical German words outside the catalogues mean a string slipped past them.
    # The keyword, date-word and named-day lists hold words people type: input, not output.
    german = re.compile(r"[äöüßÄÖÜ]|\b(Sie|Ihr|Ihre|bitte|leider|nicht)\b")
    input_words = {
        ROOT / "handlers" / "keywords.py",
        ROOT / "handlers" / "when" / "lexicon.py",
        ROOT / "handlers" / "when" / "named_days.py",
        ROOT / "handlers" / "forms.py",
        ROOT / "handlers" / "offer_reading.py",
        ROOT / "handlers" / "address.py",
        ROOT / "handlers" / "access.py",
        *(ROOT / "handlers" / "understanding").glob("*.py"),
    }
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for folder in ("handlers", "bot", "publish", "web")
        for path in (ROOT / folder).rglob("*.py")
        if path not in input_words
        for line, value in _shown_strings(path)
        if german.search(value)
    ]
    assert not offenders, "\n".join(offenders)
