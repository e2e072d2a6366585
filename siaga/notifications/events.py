"""The kinds of event Siaga notifies about, and how each is written as an e-mail.

Other apps call ``do_notify("incident_assigned", ...)`` with a kind registered here; a later app
(feeds digests, advisories) registers its own kinds with ``register_event`` in its ``AppConfig.ready``.
Each kind has two plain-text templates, ``<subject_template>`` and ``<body_template>``, written in
English with ``{% translate %}`` so that each recipient reads them in their own language.

The context the built-in templates read (each key optional; a missing one is left out):
``reference`` (tracking id, e.g. SIAGA-INC-2026-000045), ``title``, ``url`` (absolute link to the
object), ``actor`` (who did it), ``status`` and ``old_status`` (labels, already translated or
lazy), ``due_at`` (an aware datetime, shown in the recipient's zone), ``target`` (the SLA target's
label), ``clock`` (the legal clock's label), ``comment`` (text), ``received_at`` (datetime).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

# Sent by the "test" button of a webhook; no one subscribes to it and it has no e-mail.
PING = "ping"


@dataclass(frozen=True)
class EventKind:
    """One kind of notification: its name, label, e-mail templates and default preference.

    ``user_preference`` is False for a kind whose e-mails go to others than users (a feed digest
    goes to a constituent's contact): users have no on/off switch for it; webhooks still choose it.
    """

    kind: str
    label: Any
    subject_template: str
    body_template: str
    default_on: bool = True
    user_preference: bool = True


_REGISTRY: dict[str, EventKind] = {}


def register_event(
    kind: str,
    label: Any,
    subject_template: str,
    body_template: str,
    default_on: bool = True,
    user_preference: bool = True,
) -> EventKind:
    """Add (or replace) a kind; registering the same kind twice keeps the last one."""
    event = EventKind(kind, label, subject_template, body_template, default_on, user_preference)
    _REGISTRY[kind] = event
    return event


def unregister_event(kind: str) -> None:
    _REGISTRY.pop(kind, None)


def get_event(kind: str) -> EventKind | None:
    return _REGISTRY.get(kind)


def all_events() -> list[EventKind]:
    return list(_REGISTRY.values())


def event_kind_choices() -> list[tuple[str, Any]]:
    return [(event.kind, event.label) for event in _REGISTRY.values()]


# The kinds this app writes itself (incident desk); other apps' kinds have their own contexts.
BUILTIN_KINDS: list[str] = []


def _register_builtin(kind: str, label: Any, default_on: bool = True) -> None:
    BUILTIN_KINDS.append(kind)
    register_event(
        kind,
        label,
        f"notifications/email/{kind}_subject.txt",
        f"notifications/email/{kind}.txt",
        default_on,
    )


_register_builtin("report_received", _("Report received"))
_register_builtin("incident_assigned", _("Incident assigned"))
_register_builtin("incident_status_changed", _("Incident status changed"))
_register_builtin("sla_warning", _("SLA warning"))
_register_builtin("sla_breach", _("SLA breached"))
_register_builtin("clock_warning", _("Legal deadline warning"))
_register_builtin("comment_shared", _("Comment shared"))
