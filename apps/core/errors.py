"""Domain errors raised by services; the API, admin and forms translate them."""


class DomainError(Exception):
    """A rule was broken. ``field`` names the input at fault (None: the request as a whole)."""

    status_code = 400

    def __init__(self, message, field: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.errors = errors  # optional {field: [messages]} for several faults at once

    def as_dict(self) -> dict:
        if self.errors:
            return {k: [str(m) for m in v] for k, v in self.errors.items()}
        return {self.field or "non_field_errors": [self.message]}


class ValidationFailed(DomainError):
    """Input is invalid (HTTP 400)."""


class Conflict(DomainError):
    """A state transition not allowed now, or an idempotency mismatch (HTTP 409)."""

    status_code = 409


class NotAllowed(DomainError):
    """The organisation may not do this (HTTP 403)."""

    status_code = 403


class NotFound(DomainError):
    """Missing or outside the caller's scope (HTTP 404)."""

    status_code = 404
