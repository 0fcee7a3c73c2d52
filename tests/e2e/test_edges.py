"""Trust at the edges (issue 11), in the browser: the login page's `next=` never takes a person
to another site."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlparse

import pytest

from local.demo import demo_accounts
from schemas.people import Role

TEACHER = next(u for u in demo_accounts() if u.role == Role.TEACHER)


@pytest.mark.parametrize(
    "hostile",
    [
        "//evil.example/",
        "/\\evil.example/",
        "/\\/evil.example/",
        "/\t/evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
    ],
)
def test_login_next_never_redirects_to_another_site(phone: Any, stack: Any, hostile: str) -> None:
    phone.goto(f"{stack.url}/login/?{urlencode({'next': hostile})}")
    phone.get_by_role("button", name=TEACHER.name, exact=True).first.click()
    phone.wait_for_url("**/home/")
    assert urlparse(phone.url).netloc == urlparse(stack.url).netloc


def test_login_next_keeps_a_path_of_this_site(phone: Any, stack: Any) -> None:
    phone.goto(f"{stack.url}/login/?{urlencode({'next': '/my/?tab=1#x'})}")
    phone.get_by_role("button", name=TEACHER.name, exact=True).first.click()
    phone.wait_for_url("**/my/?tab=1#x")
