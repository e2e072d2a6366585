"""CVSS v3.1 and v4.0 vectors parsed and scored by RedHat's ``cvss`` library (never by hand)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import cvss
from cvss.exceptions import CVSSError

from siaga.vulns.choices import CvssSeverity


@dataclass(frozen=True)
class CvssScore:
    """A vector in its canonical form, the base score the library computed and its rating."""

    vector: str
    score: Decimal
    severity: str


class CvssVectorError(ValueError):
    """A vector the library cannot parse, or one of the wrong CVSS version."""


def _severity(label: str) -> str:
    return CvssSeverity(label.strip().lower()).value


def score_cvss3(vector: object) -> CvssScore:
    """The base score of a CVSS v3.1 vector ("CVSS:3.1/AV:N/..."); v3.0 vectors are refused."""
    if not isinstance(vector, str) or not vector.startswith("CVSS:3.1/"):
        raise CvssVectorError("not a CVSS v3.1 vector (it must start with CVSS:3.1/)")
    try:
        parsed = cvss.CVSS3(vector)
    except (CVSSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise CvssVectorError(str(exc) or type(exc).__name__) from exc
    return CvssScore(
        parsed.clean_vector(), Decimal(str(parsed.base_score)), _severity(parsed.severities()[0])
    )


def score_cvss4(vector: object) -> CvssScore:
    """The score (CVSS-B, or CVSS-BT/BE/BTE when the vector carries those metrics) of a v4.0 vector."""
    if not isinstance(vector, str) or not vector.startswith("CVSS:4.0/"):
        raise CvssVectorError("not a CVSS v4.0 vector (it must start with CVSS:4.0/)")
    try:
        parsed = cvss.CVSS4(vector)
    except (CVSSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise CvssVectorError(str(exc) or type(exc).__name__) from exc
    score = Decimal(str(parsed.base_score)).quantize(Decimal("0.1"))
    return CvssScore(parsed.clean_vector(), score, _severity(parsed.severity))
