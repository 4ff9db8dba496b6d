"""Helpers for driving the UI through the real app: the page's CSRF token, token sign-in."""

from __future__ import annotations

import re

import httpx

from plateledger.app.platform import Platform

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(page: httpx.Response | str) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF.search(page if isinstance(page, str) else page.text)
    assert found, "page has no CSRF token"
    return found.group(1)


def sign_in(client: httpx.Client, platform: Platform, user: str) -> httpx.Response:
    """A fresh session signed in with the user's API token; returns the page it lands on."""
    client.cookies.clear()
    form = client.get("/ui/signin")
    token = platform.test_tokens[user]  # type: ignore[attr-defined]
    done = client.post("/ui/signin", data={"csrf_token": csrf(form), "token": token},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303, done.text
    assert "pl_session" in client.cookies
    return client.get(done.headers["location"], follow_redirects=True)
