"""Whatever arrives in a list's query string or search box, the list answers and stays in scope."""

from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.incidents.filters import IncidentFilterForm, prefix_query, prefix_terms
from siaga.incidents.models import Incident

FIELDS = list(IncidentFilterForm.base_fields)
text = st.text(max_size=60)
pairs = st.lists(st.tuples(st.sampled_from([*FIELDS, "page", "x"]), text), max_size=8)


@given(pairs=pairs)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.django_db
def test_any_query_string_filters_without_error(personas, pairs):
    form = IncidentFilterForm(QueryDict(urlencode(pairs)), user=personas.constituent_reporter)
    visible = Incident.objects.restrict(personas.constituent_reporter, "view")
    assert list(form.apply(visible)) == []  # evaluated: no database error, nothing out of scope
    kept = QueryDict(form.query_string())
    assert set(kept) <= set(FIELDS)
    for name in kept:
        assert name not in form.errors


@given(words=st.text(max_size=200))
def test_prefix_queries_hold_only_word_characters(words):
    raw = prefix_terms(words)
    assert (prefix_query(words) is None) == (raw == "")
    if not raw:
        return
    for term in raw.split(" & "):
        if term.startswith("("):  # a number, also as the signed word PostgreSQL makes of "-000045"
            word = term[1:].split(" ", 1)[0]
            assert word.isdigit() and term == f"({word} | -{word})"
            continue
        word = term.removesuffix(":*")
        assert word and all(ch.isalnum() or ch == "_" for ch in word)
        # typed words are prefixes; identifiers (with a digit) are matched whole
        assert term.endswith(":*") != any(ch.isdigit() for ch in word)
