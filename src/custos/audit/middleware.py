import uuid

from .context import RequestContext, current


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = str(uuid.uuid4())
        via = "api" if request.path.startswith("/api/") else "web"
        token = current.set(
            RequestContext(ip=request.META.get("REMOTE_ADDR", ""),
                           request_id=request.request_id, via=via)
        )
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response["X-Request-ID"] = request.request_id
        return response
