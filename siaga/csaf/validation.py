"""Is a document valid CSAF 2.0? The JSON schema and the mandatory tests (spec section 6.1), run by
the ``csaf`` package (the OASIS TC's reference implementation), offline.

Each problem names where it is (a JSON pointer into the document) and which test found it, so an
import can say "/product_tree/branches/0/name: ..." rather than "invalid".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from csaf.csaf.v20 import validate as _validate


@dataclass(frozen=True)
class CsafProblem:
    test: str  # "schema" or the spec's test id, "6.1.1"
    title: str
    path: str  # a JSON pointer, "" for the whole document
    message: str

    def __str__(self) -> str:
        where = self.path or "/"
        return f"{where}: {self.message} ({self.test} {self.title})"


def csaf_problems(document: Any) -> list[CsafProblem]:
    """Every schema error and failed mandatory test of ``document``; empty when it is valid.

    The mandatory tests only run on a document that passes the schema (they assume its shape).
    """
    if not isinstance(document, dict):
        return [CsafProblem("schema", "JSON schema", "", "A CSAF document is a JSON object.")]
    report = _validate(document, preset="mandatory")
    problems: list[CsafProblem] = []
    for result in report.results:
        if result.passed or result.skipped or result.group == "informative":
            continue
        errors = result.errors or ()
        if not errors:
            problems.append(CsafProblem(result.id, result.title, "", result.title))
        for error in errors:
            problems.append(
                CsafProblem(result.id, result.title, error.instance_path, error.message)
            )
    return problems


def is_valid_csaf(document: Any) -> bool:
    return not csaf_problems(document)
