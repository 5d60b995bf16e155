"""Load the bundled data files into canonical frames, with messages that name file and row.

Pure: no streamlit. A corrupt or missing file raises DataFileError whose message says
which file, which row and what is wrong; pages show it instead of a traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Final

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from components import schema

#: The bundled data; ATLAS_DATA_DIR points elsewhere (tests, a team's own copy).
DATA_DIR: Final = Path(os.environ.get("ATLAS_DATA_DIR") or Path(__file__).resolve().parent.parent / "data")
FINES_FILE: Final = "fines.csv"
EVENTS_FILE: Final = "events.csv"
COLLECTION_FILE: Final = "collection_figures.csv"
REFERENCE_TOTALS_FILE: Final = "reference_totals.csv"
REFERENCE_TOTALS_COLUMNS: Final = (
    "publisher",
    "what",
    "period_start",
    "cutoff",
    "fines",
    "total_eur",
    "source_url",
    "notes",
)


class DataFileError(Exception):
    """A bundled data file is missing or does not match the schema."""


@dataclass(frozen=True)
class Bundle:
    fines: pd.DataFrame
    events: pd.DataFrame
    collection: pd.DataFrame
    reference_totals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(REFERENCE_TOTALS_COLUMNS)))

    @cached_property  # read on every rerun; the bundle never changes (the frozen dataclass has a __dict__)
    def as_of(self) -> pd.Timestamp | None:
        """The latest status check or event in the data: the 'data as of' date."""
        dates = pd.concat(
            [self.fines["status_checked"], self.events["date"] if len(self.events) else pd.Series(dtype="datetime64[ns]")]
        ).dropna()
        return dates.max() if len(dates) else None


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        # the name only: a visitor must not learn the server's folders
        raise DataFileError(f"Data file {path.name} is missing.")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataFileError(f"Data file {path.name} cannot be read: {first_line.replace(str(path.parent), '').strip()}") from exc
    return frame.replace({"": None})


def _coerce(frame: pd.DataFrame, dates: tuple[str, ...], amounts: tuple[str, ...], name: str) -> pd.DataFrame:
    out = frame.copy()
    for col in dates:
        if col in out:
            parsed = pd.to_datetime(out[col], format="%Y-%m-%d", errors="coerce")
            bad = out[col].notna() & parsed.isna()
            if bad.any():
                row = int(bad.to_numpy().nonzero()[0][0]) + 2  # +1 header, +1 one-based
                raise DataFileError(f"{name}, line {row}: column {col} has {out[col][bad].iloc[0]!r}, not a YYYY-MM-DD date.")
            too_far = parsed.notna() & ((parsed < pd.Timestamp.min) | (parsed > pd.Timestamp.max))
            if too_far.any():
                row = int(too_far.to_numpy().nonzero()[0][0]) + 2
                raise DataFileError(f"{name}, line {row}: column {col} has {out[col][too_far].iloc[0]!r}, a date out of range.")
            out[col] = parsed.astype("datetime64[ns]")
    for col in amounts:
        if col in out:
            parsed = pd.to_numeric(out[col], errors="coerce")
            bad = out[col].notna() & parsed.isna()
            if bad.any():
                row = int(bad.to_numpy().nonzero()[0][0]) + 2
                raise DataFileError(f"{name}, line {row}: column {col} has {out[col][bad].iloc[0]!r}, not a number.")
            out[col] = parsed.astype("float64")
    return out


def _validate(frame: pd.DataFrame, validator: pa.DataFrameSchema, name: str) -> pd.DataFrame:
    try:
        return validator.validate(frame, lazy=True)
    except (SchemaErrors, SchemaError) as exc:
        cases = getattr(exc, "failure_cases", None)
        if cases is not None and len(cases):
            first = cases.iloc[0]
            index = first.get("index")
            where = f"line {int(index) + 2}" if pd.notna(index) else "the header"
            raise DataFileError(
                f"{name}, {where}: column {first.get('column')} fails {first.get('check')} "
                f"(value {first.get('failure_case')!r}); {len(cases)} problem(s) in all."
            ) from exc
        raise DataFileError(f"{name} does not match the schema: {str(exc).splitlines()[0][:200]}") from exc


def load_fines_csv(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    missing = [c for c in schema.FINE_COLUMNS if c not in raw.columns]
    if missing:
        raise DataFileError(f"{path.name}: missing column(s) {', '.join(missing)}.")
    frame = _coerce(raw, schema.FINE_DATE_COLUMNS, schema.FINE_AMOUNT_COLUMNS, path.name)
    frame = _validate(frame[list(schema.FINE_COLUMNS)], schema.FINES_SCHEMA, path.name)
    return frame.reset_index(drop=True)


def load_events_csv(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    missing = [c for c in schema.EVENT_COLUMNS if c not in raw.columns]
    if missing:
        raise DataFileError(f"{path.name}: missing column(s) {', '.join(missing)}.")
    frame = _coerce(raw, ("date",), ("amount",), path.name)
    frame = _validate(frame[list(schema.EVENT_COLUMNS)], schema.EVENTS_SCHEMA, path.name)
    return frame.sort_values(["fine_id", "date"], kind="stable").reset_index(drop=True)


def load_collection_csv(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    missing = [c for c in schema.COLLECTION_COLUMNS if c not in raw.columns]
    if missing:
        raise DataFileError(f"{path.name}: missing column(s) {', '.join(missing)}.")
    frame = _coerce(raw, ("period_start", "period_end", "as_of"), ("imposed", "collected", "fines_count"), path.name)
    return _validate(frame[list(schema.COLLECTION_COLUMNS)], schema.COLLECTION_SCHEMA, path.name)


def load_reference_totals_csv(path: Path) -> pd.DataFrame:
    """Published totals of other trackers (CMS, DLA Piper), to show what share of known fines we hold."""
    raw = _read_csv(path)
    missing = [c for c in REFERENCE_TOTALS_COLUMNS if c not in raw.columns]
    if missing:
        raise DataFileError(f"{path.name}: missing column(s) {', '.join(missing)}.")
    frame = _coerce(raw, ("period_start", "cutoff"), ("fines", "total_eur"), path.name)
    return frame[list(REFERENCE_TOTALS_COLUMNS)].reset_index(drop=True)


def with_early_payment(fines: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Add early_payment_amount: the reduced sum of an early_payment_reduction event (NaN where none),
    and early_payment_unknown: reduced for early payment by a sum no source gives.

    A reduction for prompt payment or admission (Spain's Art. 85 Ley 39/2015) lowers the standing
    amount without any court: pages count it apart from the money removed by courts.
    """
    reductions = events[events["event"] == "early_payment_reduction"]
    steps = reductions[reductions["amount"].notna()]
    reduced = steps.groupby("fine_id")["amount"].last()
    out = fines.copy()
    out["early_payment_amount"] = out["fine_id"].map(reduced).astype("float64")
    # a reduction whose sum no source gave (an AEPD "pago voluntario" termination read only in part):
    # the fine was paid, but how much is not known, so it must not count as paid in full
    unread = set(reductions["fine_id"]) - set(steps["fine_id"])
    out["early_payment_unknown"] = out["fine_id"].isin(unread)
    return out


def load_bundle(data_dir: Path = DATA_DIR) -> Bundle:
    """Read and validate the bundled files."""
    fines = load_fines_csv(data_dir / FINES_FILE)
    events = load_events_csv(data_dir / EVENTS_FILE)
    collection = load_collection_csv(data_dir / COLLECTION_FILE)
    totals_path = data_dir / REFERENCE_TOTALS_FILE
    totals = (
        load_reference_totals_csv(totals_path)
        if totals_path.exists()
        else Bundle.__dataclass_fields__["reference_totals"].default_factory()
    )
    return Bundle(with_early_payment(fines, events), events, collection, totals)
