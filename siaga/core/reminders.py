"""The loop every reminder task shares: each due row reminded once, even when runs overlap.

The due rows are listed first; then each is locked and looked up again through the same "due"
query in a transaction of its own, so a row that another run reminded meanwhile (or that stopped
being due) is skipped, and a failure leaves the rows already reminded as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import models, transaction


def remind_each_once[Row: models.Model](
    due: models.QuerySet[Row],
    remind: Callable[[Row], bool | None],
    *,
    related: Sequence[str] = (),
) -> int:
    """Call ``remind(row)`` for each row of ``due``, locked and still due, in its own transaction;
    ``remind`` marks the row as reminded and notifies (returning False when it did not remind).
    Returns how many rows were reminded."""
    reminded = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            row = due.select_for_update(of=("self",)).select_related(*related).filter(pk=pk).first()
            if row is None:
                continue
            if remind(row) is not False:
                reminded += 1
    return reminded
