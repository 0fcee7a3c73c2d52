"""Who is calling: identity from the verified JWT `sub`, role and scope from the user record."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from functions.common import records
from functions.common.errors import Forbidden, Unauthorized, UnknownUser
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
    return user


def require(user: User, *roles: Role) -> User:
    if user.role not in roles:
        raise Forbidden()
    return user
