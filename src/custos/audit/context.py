"""Who is acting, from where, in which request: set once per request, read by the trail."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    request_id: str = ""
    via: str = ""


_NO_REQUEST = RequestContext()  # frozen, so safe to share
current: ContextVar[RequestContext] = ContextVar("custos_request", default=_NO_REQUEST)  # noqa: B039
