"""State changes of the assessments app (``check_*`` / ``do_*`` / ``access_*``), by subject."""

from siaga.assessments.actions.answering import (
    Entry,
    access_assessment,
    answers_of,
    check_save_answers,
    check_submit,
    definition_of,
    may_answer,
    values_of,
    visible_assessments,
)
from siaga.assessments.actions.campaigns import (
    access_campaign,
    check_close,
    check_create_campaign,
    check_send,
    constituents,
    do_send_reminders,
    visible_campaigns,
)
from siaga.assessments.actions.frameworks import (
    access_framework,
    check_load_framework,
    do_load_framework,
    ensure_builtin_frameworks,
    ensure_builtins_once,
    visible_frameworks,
)
from siaga.assessments.actions.review import check_accept, check_comment, check_return, may_review

__all__ = [
    "Entry",
    "access_assessment",
    "access_campaign",
    "access_framework",
    "answers_of",
    "check_accept",
    "check_close",
    "check_comment",
    "check_create_campaign",
    "check_load_framework",
    "check_return",
    "check_save_answers",
    "check_send",
    "check_submit",
    "constituents",
    "definition_of",
    "do_load_framework",
    "do_send_reminders",
    "ensure_builtin_frameworks",
    "ensure_builtins_once",
    "may_answer",
    "may_review",
    "values_of",
    "visible_assessments",
    "visible_campaigns",
    "visible_frameworks",
]
