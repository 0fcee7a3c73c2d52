"""The dev identity provider and the JWT check of the API Gateway HTTP API JWT authorizer.

`DevIdentityProvider` holds one RSA keypair (generated once, kept as PEM under `<data-dir>/jwt/`)
and signs RS256 tokens for demo accounts. It publishes its JWKS like any OIDC issuer, so a real
JWT authorizer could be pointed at it.

`JwtAuthorizer` accepts or rejects a bearer token by the rules of the deployed authorizer: an
RS256 signature by a JWKS key named in the token's `kid`, `iss` equal to the issuer, `aud` (or,
when absent, `client_id`) naming the audience, `exp` in the future, `nbf` and `iat` not in the
future. What it returns is what API Gateway passes on: every claim as a string, plus the scopes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

AUDIENCE = "zjtrain"
TOKEN_TTL_SECONDS = 12 * 3600
_PRIVATE_PEM = "private.pem"
_PUBLIC_PEM = "public.pem"


def _b64url_uint(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class AuthError(Exception):
    """The token would be rejected by the API Gateway JWT authorizer (reason for the log)."""


@dataclass(frozen=True)
class AuthorizedCaller:
    """What the authorizer hands to the integration: `requestContext.authorizer.jwt`."""

    claims: dict[str, str]
    scopes: list[str] | None


class DevIdentityProvider:
    """One RSA signing key for the local stack, persisted so tokens survive restarts."""

    def __init__(self, key_dir: Path, issuer: str, audience: str = AUDIENCE) -> None:
        self.issuer = issuer
        self.audience = audience
        self._private = self._load_or_create(key_dir)
        public_numbers = self._private.public_key().public_numbers()
        self._jwk = {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "n": _b64url_uint(public_numbers.n),
            "e": _b64url_uint(public_numbers.e),
        }
        self._jwk["kid"] = self._thumbprint(self._jwk)

    @staticmethod
    def _load_or_create(key_dir: Path) -> rsa.RSAPrivateKey:
        path = key_dir / _PRIVATE_PEM
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError(f"{path}: not an RSA private key")
            return key
        key_dir.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        tmp.replace(path)
        (key_dir / _PUBLIC_PEM).write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return key

    @staticmethod
    def _thumbprint(jwk: dict[str, str]) -> str:
        """RFC 7638 key thumbprint: a stable `kid` for the same key across restarts."""
        canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    @property
    def kid(self) -> str:
        return self._jwk["kid"]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(self._jwk)]}

    def openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/.well-known/jwks.json",
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["id_token"],
        }

    def issue(
        self,
        sub: str,
        ttl_seconds: int = TOKEN_TTL_SECONDS,
        now: float | None = None,
        **claims: Any,
    ) -> str:
        """A signed RS256 token for `sub`. Token times use real time, as a real IdP would:
        the dev clock moves the platform's business time, not the authorizer's."""
        issued = int(time.time() if now is None else now)
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl_seconds,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(payload, self._private, algorithm="RS256", headers={"kid": self.kid})

    def authorizer(self) -> JwtAuthorizer:
        return JwtAuthorizer(self.jwks(), issuer=self.issuer, audience=self.audience)


def _claim_string(value: Any) -> str:
    """How the HTTP API authorizer renders a claim: numbers and booleans as text, arrays as
    `[a b]` (e.g. `cognito:groups`), objects as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


class JwtAuthorizer:
    """The API Gateway HTTP API JWT authorizer's decision, reproduced locally."""

    def __init__(self, jwks: dict[str, Any], issuer: str, audience: str) -> None:
        self.issuer = issuer
        self.audience = audience
        self._keys = {
            k["kid"]: jwt.PyJWK.from_dict(k, algorithm="RS256")
            for k in jwks.get("keys", [])
            if k.get("kid")
        }

    def verify(self, authorization: str | None, now: float | None = None) -> AuthorizedCaller:
        """Accept an `Authorization` header value (`Bearer <jwt>`; API Gateway also accepts the
        bare token) or raise `AuthError`."""
        if not authorization:
            raise AuthError("no Authorization header")
        token = authorization.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"malformed token: {exc}") from exc
        if header.get("alg") != "RS256":
            raise AuthError(f"unsupported alg {header.get('alg')!r}")
        key = self._keys.get(str(header.get("kid")))
        if key is None:
            raise AuthError(f"no JWKS key for kid {header.get('kid')!r}")
        at = time.time() if now is None else now
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={
                    "require": ["exp", "iss"],
                    "verify_aud": False,  # checked below: `client_id` stands in for `aud`
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidTokenError as exc:
            raise AuthError(str(exc)) from exc
        self._check_times(claims, at)
        self._check_audience(claims)
        scopes = self._scopes(claims)
        return AuthorizedCaller({k: _claim_string(v) for k, v in claims.items()}, scopes)

    @staticmethod
    def _check_times(claims: dict[str, Any], at: float) -> None:
        for name in ("exp", "nbf", "iat"):
            v = claims.get(name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise AuthError(f"{name} is not a number")
        if claims["exp"] <= at:
            raise AuthError("token expired")
        if "nbf" in claims and claims["nbf"] > at:
            raise AuthError("token not yet valid (nbf)")
        if "iat" in claims and claims["iat"] > at:
            raise AuthError("token issued in the future (iat)")

    def _check_audience(self, claims: dict[str, Any]) -> None:
        aud = claims.get("aud", claims.get("client_id"))
        audiences = aud if isinstance(aud, list) else [aud]
        if self.audience not in audiences:
            raise AuthError(f"audience {aud!r} does not include {self.audience!r}")

    @staticmethod
    def _scopes(claims: dict[str, Any]) -> list[str] | None:
        raw = claims.get("scope", claims.get("scp"))
        if raw is None:
            return None
        if isinstance(raw, list):
            return [str(s) for s in raw]
        return str(raw).split()
