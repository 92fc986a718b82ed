"""API conventions shared by every app: pagination, errors, optimistic versions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import pagination, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """Domain errors become 4xx answers with a code, a message and the field or rule."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoPermissionDenied):
        from custos.access.policy import AccessDenied
        from custos.audit.denials import record_denial

        if isinstance(exc, AccessDenied):
            record_denial(context["request"], exc)
        return Response({"code": "forbidden", "detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        # Serializer errors in the documented shape too; every message stays under "errors".
        field, message = _first_error(response.data)
        body = {"code": "invalid", "detail": message, "errors": response.data}
        if field:
            body["field"] = field
        response.data = body
    return response


def _first_error(errors, path: str = "") -> tuple[str, str]:
    """The path ("admission.commitment_order", "names[1].full_name") and text of one error."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if value:
                if isinstance(key, int):  # an item of a list, as newer DRF reports it
                    return _first_error(value, f"{path}[{key}]")
                name = "" if key in ("non_field_errors", "detail") else str(key)
                return _first_error(value, f"{path}.{name}" if path and name else path or name)
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if value:
                if isinstance(value, dict | list):
                    return _first_error(value, f"{path}[{index}]")
                return path, str(value)
    return path, str(errors)


def valid(serializer) -> dict:
    """The serializer's validated data, or a 400 answer in the documented shape."""
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
