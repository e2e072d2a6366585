"""The page shell every page shares: landmarks, navigation by permission, the user menu, home."""

from __future__ import annotations

from django.urls import reverse

from siaga.core.testing import login
from siaga.jobs.models import Job

HOME = reverse("core:home")


def test_the_shell_has_a_skip_link_landmarks_and_a_post_only_sign_out(client, personas):
    login(client, personas.constituent_reporter)
    page = client.get(HOME).text
    assert '<a class="skip-link" href="#main">' in page
    assert '<main id="main"' in page
    assert '<nav class="sidenav"' in page
    logout = reverse("accounts:logout")
    assert f'<form method="post" action="{logout}">' in page
    assert f'action="{reverse("set_language")}"' in page


def test_areas_are_listed_by_what_the_user_may_open(client, personas):
    login(client, personas.constituent_reporter)
    page = client.get(HOME).text
    assert f'href="{reverse("incidents:list")}"' in page
    assert f'href="{reverse("dashboards:mine")}"' in page
    assert f'href="{reverse("governance:group")}"' not in page
    assert f'href="{reverse("reports:list")}"' not in page
    assert f'href="{reverse("dashboards:sector")}"' not in page

    login(client, personas.coord_member)
    page = client.get(HOME).text
    assert f'href="{reverse("governance:group")}"' in page
    assert f'href="{reverse("reports:list")}"' in page
    assert f'href="{reverse("dashboards:sector")}"' in page
    assert f'href="{reverse("dashboards:mine")}"' not in page


def test_administration_links_follow_permissions(client, personas):
    login(client, personas.constituent_reporter)
    page = client.get(HOME).text
    assert f'href="{reverse("organizations:list")}"' in page
    assert f'href="{reverse("jobs:list")}"' in page
    assert f'href="{reverse("audit:list")}"' not in page

    login(client, personas.auditor)
    assert f'href="{reverse("audit:list")}"' in client.get(HOME).text


def test_the_current_page_is_marked_in_the_navigation(client, personas):
    login(client, personas.constituent_reporter)
    page = client.get(reverse("accounts:tokens")).text
    assert f'<a href="{reverse("accounts:tokens")}" aria-current="page">' in page


def test_visitors_see_no_navigation(client, db):
    page = client.get(reverse("accounts:login")).text
    assert '<nav class="sidenav"' not in page
    assert 'class="is-public"' in page


def test_home_shows_memberships_and_recent_jobs(client, personas):
    user = personas.constituent_admin
    job = Job.objects.create(kind="test.kind", created_by=user, progress_done=1, progress_total=4)
    login(client, user)
    response = client.get(HOME)
    assert "Test Hospital" in response.text
    assert "Constituent administrator" in response.text
    assert f'href="{reverse("jobs:detail", args=[job.pk])}"' in response.text
    assert 'value="25"' in response.text  # the progress bar
