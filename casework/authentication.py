"""API tokens: django-rest-knox's hashed, expiring tokens behind `Authorization: Token <key>` (API §1)."""

from hmac import compare_digest

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions


class ApiTokenAuthentication(TokenAuthentication):
    """knox's authentication, refusing a malformed key with a 401 before it reaches the database.

    knox decodes the key as UTF-8 and looks it up as it comes, so a header with a byte that is not
    UTF-8, or a NUL that PostgreSQL refuses, would answer 500. Keys knox issues are hexadecimal.
    """

    def authenticate_credentials(self, token):
        """knox's lookup, with the user's agency read in the same query: nearly every API read asks
        for it next (the visibility rule), and it was a query of its own on each request (issue 13).
        Expired tokens are cleared and refused, and a token is renewed, as knox does."""
        if not token.isalnum():
            raise exceptions.AuthenticationFailed("Invalid token.")
        key = token.decode()
        digest = hash_token(key)
        candidates = get_token_model().objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in candidates.select_related("user", "user__agency"):
            if self._cleanup_token(auth_token):  # expired: deleted, and never a match
                continue
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed("Invalid token.")


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema names the scheme as it did with DRF's own tokens, so generated clients keep working."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
