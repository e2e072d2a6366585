"""Writing advisories, the four-eyes workflow and constituents' answers.

``check_*`` checks permission and input, then changes state (in one transaction, the advisory's
row locked); ``access_*`` fetches one object the user may see (404 otherwise). Every change is in
the audit trail: the rows' saves through the audit signals, each workflow step as its own entry
naming the step.

The workflow::

    draft ──submit──► in_review ──approve──► published ──edit──► draft (version > 0: an update)
      ▲                  │                       │                  └─submit─► in_review ─approve─►
      └─────return───────┘                       └──withdraw──► withdrawn          published v+1

Approving needs ``advisory.approve`` and a second person: neither the author (``created_by``) nor
who submitted it for review. Readers (constituents) always see the last published revision
(``AdvisoryRevision.content``), never the working copy, so an update in progress stays invisible
until it is approved. TLP:RED is refused for advisories; TLP:AMBER and AMBER+STRICT ones go only
to the constituents named (``distribution``).
"""

from __future__ import annotations

from siaga.advisories.actions.answers import (
    answer_counts,
    check_answer,
    do_send_reminders,
    due_reminders,
    recipient_for_answer,
)
from siaga.advisories.actions.authoring import (
    check_create_advisory,
    check_create_draft_from_vendor_advisory,
    check_update_advisory,
    create_draft_from_vendor_advisory,
    do_create_advisory,
)
from siaga.advisories.actions.common import (
    EDITABLE,
    FIELDS,
    MAX_ITEMS,
    PRODUCT_FIELDS,
    RED_REFUSED,
    RELATIONS,
    TEXT_NAMES,
    TRACKING_KIND,
    FourEyesError,
    access_advisory,
    allocate_tracking_id,
    format_tracking_id,
    reads_working_copies,
    received_by,
    sees_working_copy,
    visible_advisories,
    visible_recipients,
)
from siaga.advisories.actions.inputs import (
    clean_cves,
    clean_products,
    clean_references,
)
from siaga.advisories.actions.workflow import (
    check_approve,
    check_return,
    check_submit,
    check_withdraw,
    do_publish,
    preview_recipients,
    ready_problems,
)
from siaga.advisories.models import LANGUAGES, TEXT_FIELDS

__all__ = [
    "EDITABLE",
    "FIELDS",
    "LANGUAGES",
    "MAX_ITEMS",
    "PRODUCT_FIELDS",
    "RED_REFUSED",
    "RELATIONS",
    "TEXT_FIELDS",
    "TEXT_NAMES",
    "TRACKING_KIND",
    "FourEyesError",
    "access_advisory",
    "allocate_tracking_id",
    "answer_counts",
    "check_answer",
    "check_approve",
    "check_create_advisory",
    "check_create_draft_from_vendor_advisory",
    "check_return",
    "check_submit",
    "check_update_advisory",
    "check_withdraw",
    "clean_cves",
    "clean_products",
    "clean_references",
    "create_draft_from_vendor_advisory",
    "do_create_advisory",
    "do_publish",
    "do_send_reminders",
    "due_reminders",
    "format_tracking_id",
    "preview_recipients",
    "reads_working_copies",
    "ready_problems",
    "received_by",
    "recipient_for_answer",
    "sees_working_copy",
    "visible_advisories",
    "visible_recipients",
]
