"""Who is calling: identity from the verified JWT `sub`, role and scope from the user record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from functions.common import records
from functions.common.errors import (
    AccountChanged,
    AccountDisabled,
    Forbidden,
    Unauthorized,
    UnknownUser,
)
from schemas.people import Role, User

if TYPE_CHECKING:  # named in annotations only: no HTTP event classes are loaded for them
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

# Methods that only read: their caller may come from the warm Lambda's cache (at most
# `cache_ttl_seconds` old), which the selection rush needs.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def disabled(user: User | None) -> AccountDisabled:
    """The refusal of a disabled account, with the administrator's reason when it has one."""
    reason = f"（{user.disabled_reason}）" if user is not None and user.disabled_reason else ""
    return AccountDisabled(f"该账号已停用{reason}，如有疑问请联系学校或教育局管理员")


def caller(event: APIGatewayProxyEventV2, fresh: bool | None = None) -> User:
    """The calling user. The token only says who; what they may do comes from their record.

    A request that may write reads the account afresh (strongly consistent, past the cache):
    an account disabled, re-roled or moved by another Lambda a moment ago is refused at once,
    not when this Lambda's cached copy expires. A condition on every write of every context
    would close the last milliseconds between this read and the write too, at the price of a
    condition check in each transaction; a disable that lands in those milliseconds is
    indistinguishable from one that landed just after the write, so the read is enough.

    `fresh=False`: the route checks the account itself, in a call it makes anyway (`still`):
    its transaction carries `records.account_active_op` (selection), or the strongly consistent
    read before its writes fetches the account too (`records.read_with_account`: withdrawal,
    bulk review). Role and scope then come from the cached copy and the check refuses the
    write if they changed since."""
    authorizer = event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    sub = (claims or {}).get("sub")
    if not sub:
        raise Unauthorized()
    if fresh is None:
        fresh = event.request_context.http.method not in READ_METHODS
    user = records.get_user(str(sub), fresh=fresh)
    if user is not None and user.disabled and not fresh:
        user = records.get_user(str(sub), fresh=True)  # re-enabled meanwhile?
    if user is None:
        raise UnknownUser()
    if user.disabled:
        # Every route resolves its caller here, so a disabled account is refused everywhere.
        raise disabled(user)
    return user


def require(user: User, *roles: Role) -> User:
    if user.role not in roles:
        raise Forbidden()
    return user


def still(user: User, item: dict[str, Any] | None) -> None:
    """Refuse a write authorised from `user` (a cached copy) unless the account's item, read
    strongly consistently in the write's own call (or returned by its failed condition), is
    present, not disabled, and has the same role and scope: 403 for a gone or disabled account,
    409 for a changed one (its copy is refreshed: a retry is judged on the account as it is)."""
    current = records.account_of(item)
    if current is None:
        raise UnknownUser()
    if current.disabled:
        raise disabled(current)
    if records.grant(current) != records.grant(user):
        raise AccountChanged()
