"""A hospital's administrator invites a colleague, who accepts; then changes roles and removes a member."""

import re
from urllib.parse import urlsplit

from django.core import mail
from playwright.sync_api import expect

from siaga.accounts.models import User
from siaga.core.testing import PASSWORD
from siaga.organizations.models import Membership
from tests.browser.helpers import sign_in_with_authenticator


def test_invite_accept_change_role_and_remove(page, chromium, personas, live_server):
    admin, hospital = personas.constituent_admin, personas.orgs.hospital
    sign_in_with_authenticator(page, admin, PASSWORD)
    expect(page.locator("h1")).to_contain_text("Welcome")

    page.goto(f"/organizations/{hospital.pk}/")
    page.get_by_role("link", name="Invite a member").click()
    page.fill("input[name=email]", "new.nurse@hospital.test")
    page.select_option("select[name=role]", "constituent_reporter")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("main")).to_contain_text("new.nurse@hospital.test")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/invitation/\S+/", mail.outbox[0].body).group(0)

    # The invitee arrives in a browser of their own, with no language chosen: Indonesian by default.
    invitee = page.context.browser.new_context(base_url=live_server.url)
    invitee_page = invitee.new_page()
    invitee_page.goto(urlsplit(link).path)
    expect(invitee_page.locator("main")).to_contain_text(hospital.name)
    invitee_page.fill("input[name=full_name]", "Nurse Baru")
    invitee_page.fill("input[name=password1]", "a-long-enough-passphrase-2026")
    invitee_page.fill("input[name=password2]", "a-long-enough-passphrase-2026")
    invitee_page.locator("main button[type=submit]").click()
    expect(invitee_page.locator("h1")).to_contain_text("Selamat datang")
    invitee.close()
    nurse = User.objects.get(email="new.nurse@hospital.test")
    assert Membership.objects.get(user=nurse).role == "constituent_reporter"

    reporter_membership = Membership.objects.get(user=personas.constituent_reporter)
    page.goto(f"/organizations/members/{reporter_membership.pk}/")
    page.select_option("select[name=role]", "constituent_admin")
    page.get_by_role("button", name="Change role").click()
    expect(page.locator("main")).to_contain_text("administrator")
    reporter_membership.refresh_from_db()
    assert reporter_membership.role == "constituent_admin"

    nurse_membership = Membership.objects.get(user=nurse)
    page.goto(f"/organizations/members/{nurse_membership.pk}/")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("Remove from")).click()
    expect(page).to_have_url(re.compile(rf"/organizations/{hospital.pk}/$"))
    assert not Membership.objects.filter(user=nurse).exists()
