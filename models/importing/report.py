"""What an import did, offer by offer, for the operator (English, not catalogued)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    title: str
    ref: str  # 'UID abc@example.org' or 'row 4'
    note: str = ""  # the place for imports, the reason for skips and cancellations

    def __str__(self) -> str:
        text = f"{self.title or '(no title)'!r} ({self.ref})"
        return f"{text}: {self.note}" if self.note else text


@dataclass
class Report:
    path: str
    kind: str  # "iCalendar" | "CSV"
    source: str
    dry_run: bool = False
    imported: list[Entry] = field(default_factory=list)
    updated: list[Entry] = field(default_factory=list)
    unchanged: list[Entry] = field(default_factory=list)
    cancelled: list[Entry] = field(default_factory=list)
    skipped: list[Entry] = field(default_factory=list)
    # Left as they are although the file says otherwise: a moderator's decision, a cancellation
    # residents were told about.
    kept: list[Entry] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            name: len(getattr(self, name))
            for name in ("imported", "updated", "unchanged", "cancelled", "skipped", "kept")
        }

    def render(self, *, details: bool = True) -> str:
        head = f"{self.path} ({self.kind}, source {self.source!r})"
        if self.dry_run:
            head += " – dry run, nothing was changed"
        lines = [head, "  " + ", ".join(f"{name} {n}" for name, n in self.counts().items())]
        sections = (
            ("imported", "updated", "cancelled", "skipped", "kept")
            if details
            else ("skipped", "kept")
        )
        for name in sections:
            entries = getattr(self, name)
            if entries:
                lines.append(f"{name}:")
                lines += [f"  - {entry}" for entry in entries]
        return "\n".join(lines)
