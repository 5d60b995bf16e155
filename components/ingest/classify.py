"""Classify: rows that are not a supervisory authority's fine, each with the reason.

Case-law collections (GDPRhub and the like) list court rulings beside the authorities'
decisions: damages awarded to a data subject, an appeal board or court confirming a fine the
authority already imposed (counting it again would double it), a court's own judgment. These
are set aside as "not a fine" with a reason, never accepted. A court fine proper (Denmark and
Estonia, where courts impose the fine an authority recommends) stays a fine: its type says so.
Pure: no streamlit.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np

from components.ingest.common import _short, fold

#: Who decided: a court or tribunal, not a supervisory authority.
COURT: Final = re.compile(
    r"\b(court|tribunal|tribunale|tribunales|\w*gericht|\w*gerichtshof|rechtbank|hof van beroep|juzgado|audiencia|"
    r"cour|conseil d etat|consiglio di stato|cassazione|sad (okregowy|najwyzszy|apelacyjny|rejonowy)|soud|"
    r"dikastirio|bvwg|bgh|bverwg|ovg|vg|lg|olg|"
    r"hoge raad|raad van state|cjeu|curia|ecj|supreme|judge|appeal board|board of appeal|appeals board|"
    r"korkein|hovratt|tingsratt|forvaltningsratt|kammarratt|hogsta|landsret|hojesteret|byret)\b"
)
#: The decision awards damages or compensation to a person (GDPR Art. 82), not a fine.
DAMAGES: Final = re.compile(
    r"\b(damages|compensation|schadenersatz|schmerzensgeld|dommages|indemnizacion|risarcimento|"
    r"schadevergoeding|odszkodowanie|zadoscuczynienie|non material damage|art(icle)? ?82)\b"
)
#: An appeal ruling that confirms, upholds or reduces a fine already imposed by the authority.
APPEAL_RULING: Final = re.compile(
    r"\b(appeal|appellate|upheld|uphold|confirm\w*|dismiss\w*|rejected the appeal|annul\w*|quash\w*|set aside)\b"
)
#: What says a court fine is a fine (Denmark, Estonia).
COURT_FINE: Final = re.compile(r"\bcourt fine\b|\bfined by the court\b|\bimposed by (the )?court\b")


def reason(authority: str, kind: str) -> str | None:
    """Why a row is not an authority fine, from who decided and the type of decision; else None."""
    who, what = fold(authority), fold(kind)
    both = f"{who} {what}"
    if COURT_FINE.search(both):
        return None
    if DAMAGES.search(what):
        return f"damages awarded ('{_short(kind)}'), not an authority's fine"
    if COURT.search(who):
        if APPEAL_RULING.search(what):
            return f"an appeal ruling by '{_short(authority)}' on a fine already counted, not a new fine"
        return f"decided by a court ('{_short(authority)}'), not a supervisory authority"
    if re.search(r"\bcourt\b|\bjudgment\b|\bjudgement\b|\bruling\b", what) and APPEAL_RULING.search(what):
        return f"an appeal ruling ('{_short(kind)}') on a fine already counted, not a new fine"
    return None


def reasons(authorities: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """`reason` over distinct (authority, type) pairs; one result per pair (None where a fine)."""
    return np.array([reason(str(a), str(k)) for a, k in zip(authorities, kinds)], dtype=object)
