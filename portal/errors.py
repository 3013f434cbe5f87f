"""What the portal answers when something is refused: its own refusals (`ErrorPage`, with the
status to answer) and the HTTP status of each domain error. The only place statuses are decided."""

from __future__ import annotations

from models.errors import LinkRefused, NotFound, Refused, TooLarge

# A token that opens nothing: forged is forbidden, an unknown link is not found, revoked and
# expired are gone, a spent one conflicts with the submission it carried.
LINK_STATUS = {
    LinkRefused.Why.forged: 403,
    LinkRefused.Why.unknown: 404,
    LinkRefused.Why.revoked: 410,
    LinkRefused.Why.expired: 410,
    LinkRefused.Why.spent: 409,
}


class ErrorPage(Exception):
    """A request answered with a message page and `status`."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def status_of(exc: Exception) -> int:
    if isinstance(exc, ErrorPage):
        return exc.status
    if isinstance(exc, LinkRefused):
        return LINK_STATUS[exc.why]
    if isinstance(exc, TooLarge):
        return 413
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Refused):
        return 422  # understood, and refused for a reason the message gives
    raise TypeError(f"no status for {exc!r}")
