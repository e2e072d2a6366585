"""Saved filters: each person saves, lists, applies and deletes their own."""

from django.urls import reverse

from siaga.core.testing import api_client_for, login
from siaga.incidents.models import SavedFilter

JSON = "application/json"


def save(client, name, query):
    return client.post(
        reverse("incidents:saved-filter-create"), {"name": name, "return_query": query}
    )


def test_save_keeps_only_known_filters_and_returns_to_the_list(client, personas):
    login(client, personas.cert_analyst)
    response = save(client, "  Red  leaks ", "tlp=red&personal_data=yes&page=3&evil=1&tlp2=x")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("incidents:list"))
    saved = SavedFilter.objects.get(user=personas.cert_analyst)
    assert saved.name == "Red leaks"
    assert saved.query == "tlp=red&personal_data=yes"


def test_the_same_name_replaces_and_a_bad_value_is_dropped(client, personas):
    login(client, personas.cert_analyst)
    save(client, "Mine", "tlp=red")
    save(client, "Mine", "status=new&tlp=purple")
    assert list(SavedFilter.objects.values_list("name", "query")) == [("Mine", "status=new")]


def test_the_list_shows_only_my_filters_and_applies_them(client, personas, make_incident):
    make_incident(title="Red one", tlp="red")
    make_incident(title="Green one", tlp="green")
    SavedFilter.objects.create(user=personas.cert_lead, name="Lead's", query="tlp=green")
    login(client, personas.cert_analyst)
    save(client, "Red", "tlp=red")
    response = client.get(reverse("incidents:list"))
    names = [saved.name for saved in response.context["saved_filters"]]
    assert names == ["Red"]
    assert "?tlp=red" in response.content.decode()
    applied = client.get(reverse("incidents:list") + "?tlp=red")
    assert {i.title for i in applied.context["page"].object_list} == {"Red one"}


def test_a_name_is_needed(client, personas):
    login(client, personas.cert_analyst)
    save(client, "", "tlp=red")
    assert not SavedFilter.objects.exists()


def test_delete_own_only(client, personas):
    theirs = SavedFilter.objects.create(user=personas.cert_lead, name="Lead's", query="")
    mine = SavedFilter.objects.create(user=personas.cert_analyst, name="Mine", query="")
    login(client, personas.cert_analyst)
    url = reverse("incidents:saved-filter-delete", args=[theirs.pk])
    assert client.post(url).status_code == 404
    assert client.get(reverse("incidents:saved-filter-delete", args=[mine.pk])).status_code == 405
    assert client.post(reverse("incidents:saved-filter-delete", args=[mine.pk])).status_code == 302
    assert list(SavedFilter.objects.all()) == [theirs]


def test_anyone_who_lists_incidents_may_save(client, personas):
    login(client, personas.constituent_reporter)
    save(client, "Mine", "status=new")
    assert SavedFilter.objects.filter(user=personas.constituent_reporter).exists()
    login(client, personas.outsider)
    save(client, "Nope", "status=new")
    assert not SavedFilter.objects.filter(user=personas.outsider).exists()


def test_anonymous_is_sent_to_sign_in(client, db):
    assert save(client, "x", "").status_code == 302


def test_api_saves_lists_and_deletes(personas):
    api = api_client_for(personas.auditor)
    created = api.post(
        "/api/v1/saved-filters",
        {"name": "Breached", "query": "sla=breached&page=2"},
        content_type=JSON,
    )
    assert created.status_code == 201
    assert created.json()["query"] == "sla=breached"
    listed = api.get("/api/v1/saved-filters").json()
    assert [item["name"] for item in listed["results"]] == ["Breached"]
    other = api_client_for(personas.cert_analyst)
    assert other.get("/api/v1/saved-filters").json()["count"] == 0
    pk = created.json()["id"]
    assert other.delete(f"/api/v1/saved-filters/{pk}").status_code == 404
    assert api.delete(f"/api/v1/saved-filters/{pk}").status_code == 204
    assert not SavedFilter.objects.exists()
    bad = api.post("/api/v1/saved-filters", {"name": ""}, content_type=JSON)
    assert bad.status_code == 422
