"""Every count in the side menu equals the length of the list its link opens, for every demo login.

The demo dataset is loaded with the project's own seed code (what `manage.py seed_demo` loads); each
user's menu is read from the rendered page, as they see it, and each entry's list is walked page by page.
"""

import html
import re

import pytest

from agencies.models import User
from appeals.datasets.demo import seed_appeals, seed_base
from appeals.datasets.demo_data import STAFF
from appeals.models import SavedView

pytestmark = pytest.mark.django_db

MENU_ENTRY = re.compile(
    r'<li><a href="(?P<url>[^"]+)"[^>]*>(?:(?!</a>).)*<span class="count[^"]*">(?P<count>[^<]*)</span></a>'
)
SIDEBAR = re.compile(r'<nav class="sidebar".*?</nav>', re.S)


def _menu(page: str) -> list[tuple[str, int]]:
    """(url, count) of every entry of the side menu, as rendered."""
    sidebar = SIDEBAR.search(page).group(0)
    entries = []
    for match in MENU_ENTRY.finditer(sidebar):
        count = match.group("count").replace("\u202f", "")
        assert not count.endswith("+"), "the demo holds fewer appeals than the menu's cap"
        entries.append((html.unescape(match.group("url")), int(count)))
    return entries


def _list_length(client, url: str) -> int:
    """The rows of every page of the list `url` opens (100 a page)."""
    total, number = 0, 1
    while True:
        response = client.get(f"{url}{'&' if '?' in url else '?'}per_page=100&page={number}")
        assert response.status_code == 200, url
        page = response.context["page"]
        total += len(page.rows)
        if not page.has_next:
            return total
        number += 1


@pytest.fixture
def demo(db):
    seed_base(out=lambda _line: None)
    seed_appeals(500, days=60, seed=2026, out=lambda _line: None)
    # A saved view of the whole tree, shared with the agency: its count goes through the same defaults.
    head = User.objects.get(username="ast.head")
    SavedView.objects.create(owner=head, agency=head.memberships.get().agency, name="Tree", query="queue=tree")
    SavedView.objects.create(owner=head, name="Tree, finished too", query="queue=tree&open=false")


def test_every_menu_count_equals_the_length_of_the_list_it_opens_for_every_demo_login(client, demo):
    usernames = ["admin", *(row[0] for row in STAFF)]
    checked = 0
    tree_seen = False
    for username in usernames:
        client.force_login(User.objects.get(username=username))
        entries = _menu(client.get("/appeals/").content.decode())
        assert entries, username
        if username == "ast.head":  # the saved views are menu entries too
            assert sum("view=" in url for url, _count in entries) == 2
        for url, count in entries:
            length = _list_length(client, url)
            assert count == length, f"{username}: the menu says {count} for {url}, the list holds {length}"
            checked += 1
            tree_seen = tree_seen or "queue=tree" in url
        client.logout()
    assert tree_seen
    assert checked >= 5 * len(usernames)


def test_the_whole_tree_counts_open_appeals_only_like_its_list(client, demo):
    head = User.objects.get(username="ast.head")
    client.force_login(head)
    entries = dict(_menu(client.get("/appeals/").content.decode()))
    tree = next(count for url, count in entries.items() if url.endswith("queue=tree"))
    rows = client.get("/appeals/?queue=tree&per_page=100").context["page"].rows
    assert tree > 0 and all(row.status in {"registered", "in_progress", "awaiting_approval"} for row in rows)
    # With finished appeals asked for, the list holds more than the menu's (open) count.
    assert _list_length(client, "/appeals/?queue=tree&open=") > tree
