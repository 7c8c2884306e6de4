"""The outcome of loading one file, as a value."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

LoadStatus = Literal["loaded", "already loaded"]


@dataclass
class LoadReport:
    """What one `medtrade load` of one file did.

    ``rows_read == rows_loaded + rows_rejected`` always holds for a loaded file.
    ``rows_overlapping`` counts rows whose flow key another file of the same dataset
    already had; the latest release is current, the others are kept but superseded:
    ``rows_superseded`` in all, ``rows_superseded_here`` of them from this file.
    """

    path: str
    sha256: str
    status: LoadStatus
    format: str = ""
    file_id: int | None = None
    datasets: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_overlapping: int = 0
    rows_superseded: int = 0
    rows_superseded_here: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def asdict(self) -> dict:
        """Plain-dict form, for JSON output."""
        return asdict(self)

    @property
    def has_rejects(self) -> bool:
        """True when at least one row was rejected."""
        return self.rows_rejected > 0

    def __str__(self) -> str:
        name = self.path.rsplit("/", 1)[-1]
        if self.status == "already loaded":
            return f"{name}: already loaded as file #{self.file_id} (same SHA-256 {self.sha256[:12]}), 0 rows added"
        lines = [
            f"{name}: {self.format} -> {', '.join(self.datasets) or 'no dataset'} (file #{self.file_id})",
            f"  read {self.rows_read:,} = loaded {self.rows_loaded:,} + rejected {self.rows_rejected:,}"
            f"  in {self.seconds:.2f} s",
        ]
        if self.rows_overlapping:
            older = self.rows_superseded - self.rows_superseded_here
            lines.append(
                f"  overlap: {self.rows_overlapping:,} rows repeat flows already loaded for the same dataset; "
                f"latest release wins: {older:,} older rows replaced by this file, "
                f"{self.rows_superseded_here:,} rows of this file replaced by a later release"
            )
        for reason, count in sorted(self.reject_reasons.items(), key=lambda kv: -kv[1])[:10]:
            lines.append(f"  rejected {count:,}: {reason}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)
