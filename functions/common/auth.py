"""Who is calling: identity from the verified JWT `sub`, role and scope from the user record."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from functions.common import records
from functions.common.errors import AccountDisabled, Forbidden, Unauthorized, UnknownUser
from schemas.people import Role, User


def caller(event: APIGatewayProxyEventV2) -> User:
    """The calling user. The token only says who; what they may do comes from their record."""
    authorizer = event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    sub = (claims or {}).get("sub")
    if not sub:
        raise Unauthorized()
    user = records.get_user(str(sub))
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
