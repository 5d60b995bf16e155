"""The result of an import: every row accepted, rejected or not a fine, and the account of it.

Pure: no streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# --- the result -----------------------------------------------------------------


@dataclass
class IngestResult:
    """Every data row of a file, in exactly one of accepted, rejected or not_fines."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    not_fines: pd.DataFrame
    rows_read: int
    mapping: dict[str, str]
    choices: dict[str, Any]

    @property
    def accounting_ok(self) -> bool:
        """rows_read == accepted + rejected + not_fines, and no row is in two of them."""
        rows = list(self.accepted.index) + list(self.rejected["row"]) + list(self.not_fines["row"])
        return self.rows_read == len(rows) == len(set(rows))

    def totals(self) -> dict[str, float]:
        """Sum of accepted amounts per original currency."""
        sums = self.accepted.groupby("currency", sort=True)["amount"].sum()
        return {str(k): float(v) for k, v in sums.items()}

    def summary(self, to: str | None = None) -> dict[str, Any]:
        """A JSON-ready account of the import (what the CLI prints with --json)."""
        out: dict[str, Any] = {
            "rows_read": self.rows_read,
            "rows_accepted": len(self.accepted),
            "rows_rejected": len(self.rejected),
            "rows_not_fines": len(self.not_fines),
            "rejected": [{"row": int(r), "reason": str(w)} for r, w in zip(self.rejected["row"], self.rejected["reason"])],
            "not_fines": [{"row": int(r), "reason": str(w)} for r, w in zip(self.not_fines["row"], self.not_fines["reason"])],
            "totals": self.totals(),
            "mapping": dict(self.mapping),
            "choices": self.choices,
        }
        if to:
            from components import fx

            conv = fx.convert(self.accepted["amount"], self.accepted["currency"], self.accepted["decision_date"], to=to)
            value = conv["value"].to_numpy(dtype=float)
            out["to"] = to.upper()
            out["total_converted"] = float(np.nansum(value))
            out["not_converted"] = int(np.isnan(value).sum())
        return out
