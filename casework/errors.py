"""The one application exception family; the API's exception handler turns each into a response."""


class ApplicationError(Exception):
    status_code = 400

    def __init__(self, message, *, field="non_field_errors", extra=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """The object changed under the caller (e.g. someone else already triaged it)."""

    status_code = 409


class PermissionDeniedError(ApplicationError):
    """The caller may see the object but may not change it."""

    status_code = 403
