"""Load test (issue 8): employees working their queues and the workspace.

Run headless against a server on loopback (see `make load` and BENCHMARKS.md):

    locust -f benchmarks/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8077

Each simulated employee is one of the demo accounts (seed_demo) or the national dataset's, already signed in
(LOAD_SESSIONS, made by benchmarks/load_sessions.py; without it, it signs in through the form first), then, with
short pauses as a person makes: opens a queue, filters it, opens appeals from it, takes an unassigned one, adds a note.
A "someone else was faster" answer (409) is a correct answer under contention, not an error; anything
else that is not a success (a 4xx other than that, any 5xx, a page without what it must show) counts
as a failure.
"""

from __future__ import annotations

import itertools
import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = "demo12345"  # noqa: S105 - the demo data's password (appeals.demo.DEMO_PASSWORD)
# Demo accounts that work appeals (executors) and that oversee them (supervisors), from appeals.demo.STAFF.
EXECUTORS = [
    "mtszn-ast.executor",
    "mtszn-pvl.executor",
    "ast.executor1",
    "ast.executor2",
    "ast-esil.executor",
    "ast-saryarka.executor",
    "pvl.executor1",
    "pvl.executor2",
    "pvl-city.executor",
    "pvl-ekb.executor",
    "pvl-ekb-bayet.executor",
]
SUPERVISORS = ["mtszn.head", "mtszn-pvl.head", "ast.head", "ast-esil.head", "pvl.head", "pvl-ekb.head"]
# On the national dataset, benchmarks/load.sh names its accounts (benchmarks/load_accounts.py) and password.
EXECUTORS = [name for name in os.environ.get("LOAD_EXECUTORS", "").split(",") if name] or EXECUTORS
SUPERVISORS = [name for name in os.environ.get("LOAD_SUPERVISORS", "").split(",") if name] or SUPERVISORS
PASSWORD = os.environ.get("LOAD_PASSWORD", PASSWORD)
ACCOUNTS = itertools.cycle([*EXECUTORS, *EXECUTORS, *SUPERVISORS])
# Sessions made before the run (benchmarks/load.sh, load_sessions.py): username -> session key. An account
# without one signs in through the form.
SESSIONS = dict(pair.split(":", 1) for pair in os.environ.get("LOAD_SESSIONS", "").split(",") if ":" in pair)

APPEAL_LINK = re.compile(r'href="/appeals/(\d+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
QUEUES = ["mine", "unassigned", "due_soon", "overdue", "all"]
FILTERS = [
    "queue=all&status=registered",
    "queue=all&status=in_progress&ordering=due_date",
    "queue=all&overdue=true",
    "queue=all&q=%D0%B4%D0%BE%D1%80%D0%BE%D0%B3",  # "дорог"
    "queue=all&kind=complaint&ordering=-registered_at",
]


class Employee(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.username = next(ACCOUNTS)
        self.seen: list[int] = []
        session = SESSIONS.get(self.username)
        if session:  # signed in before the run (benchmarks/load_sessions.py)
            self.client.cookies.set("sessionid", session)
            return
        page = self.client.get("/accounts/login/", name="sign in (page)")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="sign in",
            catch_response=True,
        ) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"sign-in refused for {self.username}")

    def _csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def _remember(self, html: str) -> None:
        ids = [int(pk) for pk in APPEAL_LINK.findall(html)]
        if ids:
            self.seen = ids[:25]

    @task(4)
    def open_queue(self) -> None:
        queue = random.choice(QUEUES)  # noqa: S311 - a load pattern, not a secret
        with self.client.get(f"/appeals/?queue={queue}", name="queue", catch_response=True) as response:
            if response.status_code == 200 and "<table" in response.text:
                self._remember(response.text)
                response.success()
            else:
                response.failure(f"queue {queue}: {response.status_code}")

    @task(3)
    def filter_queue(self) -> None:
        query = random.choice(FILTERS)  # noqa: S311
        with self.client.get(f"/appeals/?{query}", name="queue (filtered)", catch_response=True) as response:
            if response.status_code == 200:
                self._remember(response.text)
                response.success()
            else:
                response.failure(str(response.status_code))

    @task(5)
    def open_appeal(self) -> None:
        if not self.seen:
            self.open_queue()
            return
        pk = random.choice(self.seen)  # noqa: S311
        with self.client.get(f"/appeals/{pk}/", name="workspace", catch_response=True) as response:
            if response.status_code == 200 and 'id="workspace"' in response.text:
                response.success()
            else:
                response.failure(str(response.status_code))

    def _act(self, slug: str, data: dict, name: str) -> None:
        if not self.seen:
            return
        pk = random.choice(self.seen)  # noqa: S311
        page = self.client.get(f"/appeals/{pk}/", name="workspace")
        version = VERSION.search(page.text)
        if f"/appeals/{pk}/{slug}/" not in page.text or version is None:
            return  # not offered to this person now (someone took it, the role does not allow it)
        form = {"csrfmiddlewaretoken": self._csrf(), "version": version.group(1), **data}
        with self.client.post(
            f"/appeals/{pk}/{slug}/",
            form,
            headers={"Referer": f"{self.host}/appeals/{pk}/"},
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code in (302, 409):  # done, or a colleague was faster: told so, nothing lost
                response.success()
            else:
                response.failure(f"{slug}: {response.status_code}")

    @task(1)
    def take(self) -> None:
        self._act("take", {}, "take")

    @task(2)
    def add_note(self) -> None:
        self._act("note", {"text": "Позвонил заявителю, уточнил адрес."}, "note")
