"""Loading framework files into versioned rows, and the three built-in frameworks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.assessments.frameworks import Parsed, builtin_files, parse_framework
from siaga.assessments.models import Framework
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction


def visible_frameworks(user: Any) -> QuerySet[Framework]:
    return Framework.objects.restrict(user, "view")


def access_framework(user: Any, pk: int) -> Framework:
    return get_object_or_404(visible_frameworks(user), pk=pk)


def do_load_framework(parsed: Parsed, source: str, actor: Any = None) -> tuple[Framework, bool]:
    """Store a checked file as a new version; the same version again with the same content is
    a no-op (False), with other content an error: a version, once sent, never changes."""
    if not parsed.ok or parsed.definition is None:
        raise ValidationError({"file": parsed.messages()})
    definition = parsed.definition
    existing = Framework.objects.filter(
        slug=definition["slug"], version=definition["version"]
    ).first()
    if existing is not None:
        if existing.definition == definition:
            return existing, False
        raise ValidationError(
            {
                "file": _(
                    "Version %(version)s of %(slug)s is already loaded with other content: "
                    "give the changed file a new version."
                )
                % {"version": definition["version"], "slug": definition["slug"]}
            }
        )
    try:
        with transaction.atomic():
            framework = Framework.objects.create(
                slug=definition["slug"],
                version=definition["version"],
                name_en=definition["name"]["en"][:200],
                name_id=definition["name"]["id"][:200],
                definition=definition,
                source=source,
                question_count=sum(len(area["questions"]) for area in definition["areas"]),
                created_by=actor,
            )
            do_record_event(
                AuditAction.CREATE,
                framework,
                changes={"slug": framework.slug, "version": framework.version},
                actor=actor,
            )
    except IntegrityError:
        # Loaded at the same moment by someone else: theirs stands.
        return Framework.objects.get(slug=definition["slug"], version=definition["version"]), False
    return framework, True


def check_load_framework(user: Any, text: str | bytes) -> tuple[Framework, bool]:
    """An uploaded framework file (``framework.add``)."""
    if not principal_for(user).has_perm("framework.add"):
        raise PermissionDenied(_("You may not add frameworks."))
    parsed = parse_framework(text)
    source = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return do_load_framework(parsed, source, actor=user)


def ensure_builtin_frameworks() -> list[Framework]:
    """Load the built-in files that are not loaded yet (first use, the demo, the command)."""
    loaded = []
    for path in builtin_files():
        text = path.read_text(encoding="utf-8")
        framework, _created = do_load_framework(parse_framework(text), text)
        loaded.append(framework)
    return loaded


def builtins_loaded() -> bool:
    return Framework.objects.count() >= len(list(builtin_files()))


def ensure_builtins_once() -> None:
    """On first use: cheap when they are there (one count)."""
    if not builtins_loaded():
        ensure_builtin_frameworks()
