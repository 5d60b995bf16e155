"""The result of an import: every row accepted, rejected or not a fine, and the account of it.

Pure: no streamlit.
"""

from __future__ import annotations

import math
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
            "currency_from_country": self.currency_from_country,
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
        return json_safe(out)

    @property
    def currency_from_country(self) -> int:
        """Accepted rows whose currency was taken from their country (no currency column, marker or answer)."""
        return int(self.choices.get("currency_sources", {}).get("country", 0))

    def currency_line(self, how: str = "(--currency EUR)") -> str:
        """The report's first line about currency: how many amounts took their country's currency.

        `how`: how to give a file-wide currency, where the line is shown (the command's option by default)."""
        n, k = self.currency_from_country, len(self.accepted)
        if not k:
            return "currency: no accepted rows"
        if not n:
            return "currency: every accepted amount says its currency (cell, column, heading or the answer given)"
        return (
            f"currency: {n:,} of {k:,} accepted rows ({n / k:.0%}) took the currency of their country; "
            f"the file names none. If its amounts are all in one currency, say so {how}."
        )


def json_safe(value: Any) -> Any:
    """The value with NaN and infinities as None and numpy scalars as Python numbers: valid JSON."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def with_raw(frame: pd.DataFrame, positions: np.ndarray, rows: np.ndarray, reasons: np.ndarray) -> pd.DataFrame:
    """The rows set aside (at `positions` in `frame`), each with its row number in the file, its reason and
    its cells as read."""
    # no rows: empty columns of their own, not frame.iloc[0:0], whose Arrow columns are zero-length slices that
    # keep every block's cells as read alive (a 500,000-row upload: 100 MB per session for no row at all)
    if len(positions):
        raw = frame.iloc[positions]
    else:
        raw = pd.DataFrame({i: pd.Series([], dtype=dtype) for i, dtype in enumerate(frame.dtypes)})
        raw.columns = frame.columns
    raw = raw.rename(columns={c: f"{c} (file)" for c in raw.columns if c in ("row", "reason")})
    out = pd.DataFrame({"row": rows.astype(np.int64), "reason": pd.Series(reasons, dtype="str")})
    body = raw.reset_index(drop=True)
    return pd.concat([out, body], axis=1) if len(body.columns) else out
