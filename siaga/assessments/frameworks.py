"""Framework files: reading a YAML file, checking it against the schema, with line numbers.

A framework file (see ``frameworks/*.yaml``) holds::

    slug, version, name {en, id}
    stage_weights {1: w, 2: w, 3: w}                  (optional; later stages weigh more)
    answer_scale: [{value, label {en, id}, points}]
    maturity_levels: [{label {en, id}, min_percent}]  (operator values)
    results: [{label {en, id}, min_percent}]          (optional, operator values)
    category: {area, levels: [{label, min_points}]}   (optional, operator values)
    areas: [{id, name {en, id}, scored?, scale?, questions | sections: [{id, name, questions}]}]
      question: {id, text {en, id}, stage (1-3)?, weight?, action {en, id}?}

The document is composed into YAML nodes first (never constructed by a loader that could build
objects), so every value keeps the line it came from and each error names it. Whatever the input,
``parse_framework`` returns a ``Parsed`` with errors or a definition; it never raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from siaga.assessments.scoring import DEFAULT_STAGE_WEIGHTS, LANGUAGES

BUILTIN_DIR = Path(__file__).resolve().parent / "frameworks"
MAX_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000  # aliases can make a small file enormous ("billion laughs")
MAX_TEXT = 5000
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


@dataclass
class Parsed:
    """The outcome of reading a file: the definition (JSON-able) or the errors, with lines."""

    definition: dict[str, Any] | None = None
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.definition is not None and not self.errors

    def messages(self) -> list[str]:
        return [
            _("line %(line)s: %(message)s") % {"line": line, "message": message}
            if line
            else message
            for line, message in self.errors
        ]


class _Invalid(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class _Reader:
    """Turns nodes into plain values and remembers the first line of each."""

    def __init__(self) -> None:
        self.count = 0

    def value(self, node: yaml.Node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Invalid(_line(node), _("The file has too many values."))
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.value(key_node).value
                if not isinstance(key, str | int) or isinstance(key, bool):
                    raise _Invalid(_line(key_node), _("A key must be a word or a number."))
                if key in result:
                    raise _Invalid(
                        _line(key_node), _("The key %(key)s appears twice.") % {"key": key}
                    )
                result[key] = self.value(value_node)
            return _Located(result, _line(node))
        if isinstance(node, yaml.SequenceNode):
            return _Located([self.value(item) for item in node.value], _line(node))
        return _Located(_scalar(node), _line(node))


@dataclass
class _Located:
    value: Any
    line: int


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1 if node.start_mark is not None else 0


def _scalar(node: yaml.Node) -> Any:
    text = str(node.value)
    if node.tag == "tag:yaml.org,2002:int":
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return text
    if node.tag == "tag:yaml.org,2002:float":
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    if node.tag == "tag:yaml.org,2002:bool":
        return text.lower() in {"true", "yes", "on", "y"}
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return text


# --- Checking the structure ----------------------------------------------------------------------


def _mapping(item: _Located, what: str, required: tuple[str, ...]) -> dict[str, _Located]:
    if not isinstance(item.value, dict):
        raise _Invalid(item.line, _("%(what)s must be a mapping.") % {"what": what})
    missing = [key for key in required if key not in item.value]
    if missing:
        raise _Invalid(
            item.line,
            _("%(what)s lacks %(keys)s.") % {"what": what, "keys": ", ".join(missing)},
        )
    return item.value


def _list(item: _Located, what: str, *, empty: bool = False) -> list[_Located]:
    if not isinstance(item.value, list) or (not empty and not item.value):
        raise _Invalid(item.line, _("%(what)s must be a non-empty list.") % {"what": what})
    return item.value


def _text(item: _Located, what: str, pattern: re.Pattern[str] | None = None) -> str:
    value = item.value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid(item.line, _("%(what)s must be a text.") % {"what": what})
    text = str(value).strip()
    if not text or len(text) > MAX_TEXT or "\x00" in text:
        raise _Invalid(item.line, _("%(what)s is empty or too long.") % {"what": what})
    if pattern is not None and not pattern.match(text):
        raise _Invalid(item.line, _("%(what)s has characters it may not have.") % {"what": what})
    return text


def _number(item: _Located, what: str, low: float, high: float) -> float:
    value = item.value
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _Invalid(
            item.line,
            _("%(what)s must be a number from %(low)s to %(high)s.")
            % {"what": what, "low": low, "high": high},
        )
    return float(value)


def _bilingual(item: _Located, what: str, *, required: bool = True) -> dict[str, str]:
    texts = _mapping(item, what, LANGUAGES if required else ())
    unknown = [str(key) for key in texts if key not in LANGUAGES]
    if unknown:
        raise _Invalid(
            item.line,
            _("%(what)s: unknown language %(lang)s.") % {"what": what, "lang": unknown[0]},
        )
    return {str(lang): _text(text, f"{what} ({lang})") for lang, text in texts.items()}


def _scale(item: _Located) -> list[dict[str, Any]]:
    result, seen = [], set()
    for entry in _list(item, "answer_scale"):
        data = _mapping(entry, _("An answer"), ("value", "label", "points"))
        value = _text(data["value"], "value", IDENT)
        if value in seen:
            raise _Invalid(entry.line, _("The answer %(value)s appears twice.") % {"value": value})
        seen.add(value)
        result.append(
            {
                "value": value,
                "label": _bilingual(data["label"], "label"),
                "points": _number(data["points"], "points", 0, 1000),
            }
        )
    return result


def _levels(item: _Located, what: str, key: str, high: float) -> list[dict[str, Any]]:
    result = []
    for entry in _list(item, what):
        data = _mapping(entry, what, ("label", key))
        result.append(
            {"label": _bilingual(data["label"], "label"), key: _number(data[key], key, 0, high)}
        )
    return result


def _question(item: _Located, weights: dict[int, float], section: str) -> dict[str, Any]:
    data = _mapping(item, _("A question"), ("id", "text"))
    stage = int(_number(data["stage"], "stage", 1, 3)) if "stage" in data else 1
    weight = _number(data["weight"], "weight", 0.01, 1000) if "weight" in data else weights[stage]
    question = {
        "id": _text(data["id"], "id", IDENT),
        "text": _bilingual(data["text"], "text"),
        "stage": stage,
        "weight": weight,
        "section": section,
    }
    if "action" in data:
        question["action"] = _bilingual(data["action"], "action")
    return question


def _area(item: _Located, weights: dict[int, float]) -> dict[str, Any]:
    data = _mapping(item, _("An area"), ("id", "name"))
    area: dict[str, Any] = {
        "id": _text(data["id"], "id", IDENT),
        "name": _bilingual(data["name"], "name"),
        "scored": bool(data["scored"].value) if "scored" in data else True,
        "questions": [],
        "sections": [],
    }
    if "scale" in data:
        area["scale"] = _scale(data["scale"])
    if "sections" in data:
        for entry in _list(data["sections"], "sections"):
            section = _mapping(entry, _("A section"), ("id", "name", "questions"))
            section_id = _text(section["id"], "id", IDENT)
            area["sections"].append({"id": section_id, "name": _bilingual(section["name"], "name")})
            for question in _list(section["questions"], "questions"):
                area["questions"].append(_question(question, weights, section_id))
    elif "questions" in data:
        area["questions"] = [
            _question(q, weights, "") for q in _list(data["questions"], "questions")
        ]
    else:
        raise _Invalid(item.line, _("An area needs questions or sections."))
    return area


def _stage_weights(data: dict[str, _Located]) -> dict[int, float]:
    if "stage_weights" not in data:
        return dict(DEFAULT_STAGE_WEIGHTS)
    given = _mapping(data["stage_weights"], "stage_weights", ())
    weights = dict(DEFAULT_STAGE_WEIGHTS)
    for key, value in given.items():
        if key not in weights:
            raise _Invalid(value.line, _("stage_weights: the stages are 1, 2 and 3."))
        weights[int(key)] = _number(value, "stage weight", 0.01, 1000)
    return weights


def _check_unique(areas: list[dict[str, Any]], root: _Located) -> None:
    seen: set[str] = set()
    for area in areas:
        if area["id"] in seen:
            raise _Invalid(root.line, _("The area %(id)s appears twice.") % {"id": area["id"]})
        seen.add(area["id"])
    for question in (q for area in areas for q in area["questions"]):
        if question["id"] in seen:
            raise _Invalid(0, _("The id %(id)s appears twice.") % {"id": question["id"]})
        seen.add(question["id"])


def _definition(root: _Located) -> dict[str, Any]:
    required = ("slug", "version", "name", "answer_scale", "maturity_levels", "areas")
    data = _mapping(root, _("The file"), required)
    weights = _stage_weights(data)
    areas = [_area(item, weights) for item in _list(data["areas"], "areas")]
    _check_unique(areas, data["areas"])
    definition: dict[str, Any] = {
        "slug": _text(data["slug"], "slug", SLUG),
        "version": _text(data["version"], "version", IDENT),
        "name": _bilingual(data["name"], "name"),
        "stage_weights": {str(k): v for k, v in weights.items()},
        "answer_scale": _scale(data["answer_scale"]),
        "maturity_levels": _levels(data["maturity_levels"], "maturity_levels", "min_percent", 100),
        "areas": areas,
    }
    if "description" in data:
        definition["description"] = _bilingual(data["description"], "description")
    if "results" in data:
        definition["results"] = _levels(data["results"], "results", "min_percent", 100)
    if "category" in data:
        category = _mapping(data["category"], "category", ("area", "levels"))
        area_id = _text(category["area"], "area", IDENT)
        if area_id not in {area["id"] for area in areas}:
            raise _Invalid(category["area"].line, _("category: no area %(id)s.") % {"id": area_id})
        levels = _levels(category["levels"], "levels", "min_points", 100_000)
        definition["category"] = {"area": area_id, "levels": levels}
    return definition


def parse_framework(text: str | bytes) -> Parsed:
    """Read and check a framework file; never raises (errors carry their line, 0 when unknown)."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            return Parsed(errors=[(0, _("The file is larger than 2 MB."))])
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return Parsed(errors=[(0, _("The file is not UTF-8 text."))])
    if len(text) > MAX_BYTES:
        return Parsed(errors=[(0, _("The file is larger than 2 MB."))])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            return Parsed(errors=[(0, _("The file is empty."))])
        return Parsed(definition=_definition(_Reader().value(node)))
    except _Invalid as exc:
        return Parsed(errors=[(exc.line, exc.message)])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        return Parsed(errors=[(line, _("Not valid YAML: %(problem)s") % {"problem": exc.problem})])
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        return Parsed(errors=[(0, _("Not valid YAML: %(problem)s") % {"problem": exc})])


def builtin_files() -> Iterator[Path]:
    return iter(sorted(BUILTIN_DIR.glob("*.yaml")))
