"""API tokens: django-rest-knox's hashed, expiring tokens behind `Authorization: Token <key>` (API §1)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework import exceptions


class ApiTokenAuthentication(TokenAuthentication):
    """knox's authentication, refusing a malformed key with a 401 before it reaches the database.

    knox decodes the key as UTF-8 and looks it up as it comes, so a header with a byte that is not
    UTF-8, or a NUL that PostgreSQL refuses, would answer 500. Keys knox issues are hexadecimal.
    """

    def authenticate_credentials(self, token):
        if not token.isalnum():
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema names the scheme as it did with DRF's own tokens, so generated clients keep working."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
