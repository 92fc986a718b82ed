"""The OpenAPI schema is valid and generates without warnings (it drives API clients)."""

from django.core.management import call_command


def test_openapi_schema_is_valid_and_clean(tmp_path, db):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    text = out.read_text()
    assert "/api/v1/prisoners/" in text and "/api/v1/placements/" in text
