"""The canonical data model: column names, fixed vocabularies and pandera schemas.

Every other module speaks in these names. Pure: no streamlit.
"""

from __future__ import annotations

from typing import Final

import pandas as pd
import pandera.pandas as pa

# --- fixed vocabularies -------------------------------------------------------

#: What kind of decision a row of fines.csv is. Only "fine" and "penalty_payment"
#: are money imposed by an authority; the others are kept so a company's story is
#: complete, and are excluded from money totals.
DECISION_TYPES: Final = (
    "fine",  # an administrative fine imposed by the authority
    "penalty_payment",  # a periodic or overdue penalty for not complying with an order
    "court_fine",  # imposed by a court on the authority's recommendation (Denmark, Estonia)
    "notice_of_intent",  # a proposed fine that was never imposed as such (ICO 2019 BA, Marriott)
    "no_fine",  # an order, reprimand or finding of infringement without a fine
)
MONEY_DECISION_TYPES: Final = ("fine", "penalty_payment", "court_fine")

APPEAL_STATUSES: Final = (
    "not_appealed",  # no appeal was lodged (or the time for it passed)
    "pending",  # an appeal is under way
    "upheld",  # the courts confirmed the fine in full (latest ruling)
    "reduced",  # the courts lowered the amount
    "annulled",  # the courts set the fine aside
    "remitted",  # sent back to the authority to decide again
    "withdrawn",  # the company withdrew its appeal
    "waived",  # the authority itself withdrew or waived its fine (not a court)
    "unknown",  # not known whether it was appealed or how it ended
)

PAYMENT_STATUSES: Final = (
    "paid",  # paid in full
    "partly_paid",  # part paid, or paying in instalments
    "unpaid",  # due but not paid
    "suspended",  # not payable while an appeal runs
    "not_due",  # nothing to pay (annulled, or a decision without a fine)
    "unknown",  # no public information
)

EVENT_TYPES: Final = (
    "decision",  # the authority's decision was signed
    "announcement",  # the decision was made public
    "notice_of_intent",  # a proposed fine was announced
    "appeal_lodged",
    "court_ruling",  # a court decided; see outcome
    "appeal_withdrawn",
    "settlement",
    "penalty_for_non_compliance",
    "early_payment_reduction",  # Spain: reductions for prompt payment and admission
    "waiver",  # the authority withdrew or waived its own fine (not a court)
    "payment",
    "payment_suspended",
    "enforcement_action",  # steps to collect: referral to another state, bailiffs, FTC
    "status_check",  # the date a source confirmed the status recorded
)

EVENT_OUTCOMES: Final = (
    "upheld",
    "reduced",
    "increased",
    "annulled",
    "remitted",
    "pending",
    "dismissed",  # an appeal or application dismissed on procedure
    "early_payment",  # Spain and others: reduced for prompt payment or admission (not a court)
    "admission",  # an early_payment_reduction for admitting liability alone: no payment implied (Spain, art. 85(1))
    "waived",  # for a waiver event: the authority gave up its own fine
    "",
)

#: How much of decision_date is known: a year-only date is stored as 1 January and shown as the year.
DATE_PRECISIONS: Final = ("day", "month", "year")

#: The main kind of infringement, in the spirit of the public trackers' categories.
VIOLATIONS: Final = (
    "insufficient_legal_basis",
    "insufficient_security",
    "information_obligations",
    "data_subject_rights",
    "consent_cookies",
    "general_principles",
    "data_protection_officer",
    "cooperation_with_authority",
    "data_retention",
    "other",
)
VIOLATION_LABELS: Final = {
    "insufficient_legal_basis": "Insufficient legal basis",
    "insufficient_security": "Insufficient security",
    "information_obligations": "Information obligations",
    "data_subject_rights": "Data subject rights",
    "consent_cookies": "Consent / cookies",
    "general_principles": "General principles",
    "data_protection_officer": "Data protection officer",
    "cooperation_with_authority": "Cooperation with the authority",
    "data_retention": "Data retention",
    "other": "Other",
}

#: The controlled sector vocabulary of the bundled data (the original wording is kept in notes).
SECTORS: Final = (
    "technology",
    "telecommunications",
    "finance_insurance",
    "retail_ecommerce",
    "health",
    "public_sector",
    "education",
    "energy_utilities",
    "transport_logistics",
    "hospitality_leisure",
    "media_marketing",
    "real_estate",
    "employment",
    "industry_manufacturing",
    "political_nonprofit",
    "professional_services",
    "individual",
    "other",
)
SECTOR_LABELS: Final = {
    "technology": "Technology and online platforms",
    "telecommunications": "Telecommunications",
    "finance_insurance": "Finance and insurance",
    "retail_ecommerce": "Retail and e-commerce",
    "health": "Health",
    "public_sector": "Public sector",
    "education": "Education",
    "energy_utilities": "Energy and utilities",
    "transport_logistics": "Transport and logistics",
    "hospitality_leisure": "Hospitality and leisure",
    "media_marketing": "Media and marketing",
    "real_estate": "Real estate",
    "employment": "Employment and recruitment",
    "industry_manufacturing": "Industry and manufacturing",
    "political_nonprofit": "Political and non-profit",
    "professional_services": "Professional services",
    "individual": "Private individual",
    "other": "Other",
}

#: One GDPR article reference in the normalised `articles` list ("5(1)(f);32").
ARTICLE_PATTERN: Final = r"[0-9]{1,2}(\([0-9]{1,2}\))?(\([a-z]\))?"

LEGAL_BASES: Final = (
    "GDPR",
    "UK GDPR",
    "ePrivacy (national)",
    "national data protection law",
)

# --- columns ------------------------------------------------------------------

FINE_COLUMNS: Final = (
    "fine_id",
    "authority",
    "country",
    "controller",
    "controller_group",
    "controller_country",
    "group_country",
    "sector",
    "decision_type",
    "decision_date",
    "date_precision",
    "announced_date",
    "amount",
    "currency",
    "legal_basis",
    "articles",
    "violation",
    "appeal_status",
    "standing_amount",
    "payment_status",
    "paid_amount",
    "status_checked",
    "source_url",
    "notes",
)

EVENT_COLUMNS: Final = (
    "fine_id",
    "date",
    "event",
    "outcome",
    "amount",
    "currency",
    "court",
    "source_url",
    "notes",
)

COLLECTION_COLUMNS: Final = (
    "authority",
    "country",
    "period_start",
    "period_end",
    "imposed",
    "collected",
    "currency",
    "fines_count",
    "what",
    "source",
    "source_url",
    "as_of",
    "notes",
)

FINE_DATE_COLUMNS: Final = ("decision_date", "announced_date", "status_checked")
FINE_AMOUNT_COLUMNS: Final = ("amount", "standing_amount", "paid_amount")

#: The first day the GDPR applied. Earlier decisions need a note saying why they are here.
GDPR_START: Final = pd.Timestamp("2018-05-25")

# --- pandera schemas ----------------------------------------------------------

_URL = r"^https?://[^\s\"'<>]+$"
_ISO2 = r"^[A-Z]{2}$"
_ISO4217 = r"^[A-Z]{3}$"


def _opt_amount() -> pa.Column:
    # Blank means unknown, never zero: the column stays float with NaN.
    return pa.Column(float, pa.Check.ge(0), nullable=True, coerce=True)


FINES_SCHEMA: Final = pa.DataFrameSchema(
    {
        "fine_id": pa.Column(str, pa.Check.str_length(1, 80), unique=True),
        "authority": pa.Column(str, pa.Check.str_length(1, 200)),
        "country": pa.Column(str, pa.Check.str_matches(_ISO2)),
        "controller": pa.Column(str, pa.Check.str_length(1, 300)),
        "controller_group": pa.Column(str, pa.Check.str_length(1, 300)),
        "controller_country": pa.Column(str, pa.Check.str_matches(r"^([A-Z]{2}|)$"), nullable=True),
        "group_country": pa.Column(str, pa.Check.str_matches(r"^([A-Z]{2}|)$"), nullable=True),
        "sector": pa.Column(str, pa.Check.isin(SECTORS), nullable=True),
        "decision_type": pa.Column(str, pa.Check.isin(DECISION_TYPES)),
        "decision_date": pa.Column("datetime64[ns]", coerce=True),
        "date_precision": pa.Column(str, pa.Check.isin(DATE_PRECISIONS)),
        "announced_date": pa.Column("datetime64[ns]", nullable=True, coerce=True),
        "amount": pa.Column(float, pa.Check.ge(0), coerce=True),
        "currency": pa.Column(str, pa.Check.str_matches(_ISO4217)),
        "legal_basis": pa.Column(str, pa.Check.isin(LEGAL_BASES)),
        "articles": pa.Column(str, pa.Check.str_matches(rf"^{ARTICLE_PATTERN}(;{ARTICLE_PATTERN})*$"), nullable=True),
        "violation": pa.Column(str, pa.Check.isin(VIOLATIONS), nullable=True),
        "appeal_status": pa.Column(str, pa.Check.isin(APPEAL_STATUSES)),
        "standing_amount": _opt_amount(),
        "payment_status": pa.Column(str, pa.Check.isin(PAYMENT_STATUSES)),
        "paid_amount": _opt_amount(),
        "status_checked": pa.Column("datetime64[ns]", nullable=True, coerce=True),
        "source_url": pa.Column(str, pa.Check.str_matches(_URL)),
        "notes": pa.Column(str, nullable=True),
    },
    strict=True,
    ordered=False,
    name="fines",
)

EVENTS_SCHEMA: Final = pa.DataFrameSchema(
    {
        "fine_id": pa.Column(str),
        "date": pa.Column("datetime64[ns]", coerce=True),
        "event": pa.Column(str, pa.Check.isin(EVENT_TYPES)),
        "outcome": pa.Column(str, pa.Check.isin(EVENT_OUTCOMES), nullable=True),
        "amount": _opt_amount(),
        "currency": pa.Column(str, pa.Check.str_matches(r"^([A-Z]{3}|)$"), nullable=True),
        "court": pa.Column(str, nullable=True),
        "source_url": pa.Column(str, pa.Check.str_matches(_URL)),
        "notes": pa.Column(str, nullable=True),
    },
    strict=True,
    ordered=False,
    name="events",
)

COLLECTION_SCHEMA: Final = pa.DataFrameSchema(
    {
        "authority": pa.Column(str),
        "country": pa.Column(str, pa.Check.str_matches(_ISO2)),
        "period_start": pa.Column("datetime64[ns]", coerce=True),
        "period_end": pa.Column("datetime64[ns]", coerce=True),
        "imposed": _opt_amount(),
        "collected": _opt_amount(),
        "currency": pa.Column(str, pa.Check.str_matches(_ISO4217)),
        "fines_count": pa.Column(float, nullable=True, coerce=True),
        "what": pa.Column(str),
        "source": pa.Column(str),
        "source_url": pa.Column(str, pa.Check.str_matches(_URL)),
        "as_of": pa.Column("datetime64[ns]", coerce=True),
        "notes": pa.Column(str, nullable=True),
    },
    strict=True,
    ordered=False,
    name="collection_figures",
)


def empty_fines() -> pd.DataFrame:
    """A canonical fines frame with no rows and the right dtypes."""
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in FINE_COLUMNS})
    for col in FINE_DATE_COLUMNS:
        frame[col] = pd.Series(dtype="datetime64[ns]")
    for col in FINE_AMOUNT_COLUMNS:
        frame[col] = pd.Series(dtype="float64")
    return frame


#: Uploaded fines may lack a source URL (an analyst's own register) and carry their own sector and
#: article wording; everything else holds.
UPLOAD_FINES_SCHEMA: Final = FINES_SCHEMA.update_columns(
    {
        "source_url": {"checks": [pa.Check.str_matches(r"^(https?://[^\s\"'<>]+|)$")], "nullable": True},
        "sector": {"checks": [], "nullable": True},
        "articles": {"checks": [], "nullable": True},
    }
)
