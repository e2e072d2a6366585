"""The language switcher sets the cookie and, for a signed-in user, their saved preference."""

import pytest
from django.conf import settings

from siaga.core.testing import login


@pytest.mark.django_db
def test_switching_language_saves_the_preference_of_a_signed_in_user(client, personas):
    user = personas.constituent_reporter
    user.language = "id"
    user.save()
    login(client, user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.django_db
def test_an_unknown_language_changes_nothing(client, personas):
    user = personas.constituent_reporter
    login(client, user)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "id"


@pytest.mark.django_db
def test_anonymous_visitors_only_get_the_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
def test_a_first_visit_is_in_bahasa_indonesia():
    from django.test import Client

    page = Client().get("/accounts/login/").text
    assert '<html lang="id">' in page
    assert "Masuk ke Siaga" in page


@pytest.mark.django_db
def test_every_catalogue_is_complete():
    from siaga.core.i18n import catalogues, gaps

    assert catalogues(), "no translation catalogue found"
    for path in catalogues():
        assert gaps(path) == [], f"{path} has untranslated or fuzzy entries"
