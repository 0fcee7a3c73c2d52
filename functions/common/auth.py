"""Who is calling: identity from the verified JWT `sub`, role and scope from the user record."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from functions.common import records
from functions.common.errors import AccountDisabled, Forbidden, Unauthorized, UnknownUser
from schemas.people import Role, User

# Methods that only read: their caller may come from the warm Lambda's cache (at most
# `cache_ttl_seconds` old), which the selection rush needs.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def caller(event: APIGatewayProxyEventV2) -> User:
    """The calling user. The token only says who; what they may do comes from their record.

    A request that may write reads the account afresh (strongly consistent, past the cache):
    an account disabled, re-roled or moved by another Lambda a moment ago is refused at once,
    not when this Lambda's cached copy expires. A condition on every write of every context
    would close the last milliseconds between this read and the write too, at the price of a
    condition check in each transaction; a disable that lands in those milliseconds is
    indistinguishable from one that landed just after the write, so the read is enough."""
    authorizer = event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    sub = (claims or {}).get("sub")
    if not sub:
        raise Unauthorized()
    user = records.get_user(str(sub), fresh=event.request_context.http.method not in READ_METHODS)
    if user is None:
        raise UnknownUser()
    if user.disabled:
        # Every route resolves its caller here, so a disabled account is refused everywhere.
        reason = f"（{user.disabled_reason}）" if user.disabled_reason else ""
        raise AccountDisabled(f"该账号已停用{reason}，如有疑问请联系学校或教育局管理员")
    return user


def require(user: User, *roles: Role) -> User:
    if user.role not in roles:
        raise Forbidden()
    return user
