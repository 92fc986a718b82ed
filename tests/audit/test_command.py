"""`custos audit verify | anchor | public-key`."""

import base64
import io
import json
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from custos.audit import signing
from custos.audit.models import AuditEntry

from .helpers import TABLE, record, rehash_all, sql, trigger_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(monkeypatch, settings, tmp_path):
    """This installation's signing key, from the environment (raw, base64)."""
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    monkeypatch.setenv(signing.ENV_KEY, base64.b64encode(raw).decode())
    monkeypatch.delenv(signing.ENV_FILE, raising=False)
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "absent.pem"
    return private


def audit(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing(*args) -> tuple[CommandError, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("audit", *args, stdout=io.StringIO(), stderr=err)
    return raised.value, err.getvalue()


def test_verify_an_empty_trail_succeeds():
    out, _ = audit("verify")

    assert "intact: 0 entries" in out


def test_verify_names_the_first_altered_entry_and_exits_1():
    entries = record(3)
    with trigger_disabled():
        sql(f"UPDATE {TABLE} SET reason = 'edited' WHERE id = %s", [entries[1].id])  # noqa: S608

    error, err = failing("verify")

    assert error.returncode == 1
    assert f"entry #{entries[1].id} (test.write): altered" in err


def test_verify_names_the_entry_after_a_deleted_one():
    entries = record(3)
    with trigger_disabled():
        sql(f"DELETE FROM {TABLE} WHERE id = %s", [entries[1].id])  # noqa: S608

    _, err = failing("verify")

    assert f"entry #{entries[2].id} (test.write): deleted before it" in err


def test_anchor_then_verify_with_the_public_key(key, tmp_path):
    record(2)
    anchor_file, public_file = tmp_path / "anchors" / "a1.json", tmp_path / "pub.pem"

    _, note = audit("anchor", "--output", str(anchor_file))
    pem, _ = audit("public-key")
    public_file.write_text(pem)

    document = json.loads(anchor_file.read_text())
    assert document["head"]["count"] == 2
    assert document["algorithm"] == "Ed25519"
    assert "Anchored 2 entries" in note
    assert AuditEntry.objects.order_by("-id").first().action == "audit.anchor"
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    out, _ = audit("verify", "--anchor", str(anchor_file), "--public-key", str(public_file))
    assert "Anchor holds" in out


def test_anchor_to_standard_output(key):
    out, _ = audit("anchor")

    assert json.loads(out)["type"] == "custos-audit-anchor"


def test_verify_against_anchors_fails_after_a_consistent_rewrite(key, tmp_path):
    record(3)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    audit("anchor", "--output", str(first))
    record(1)
    audit("anchor", "--output", str(second))
    with trigger_disabled():
        rehash_all("rewritten by a superuser")

    audit("verify")  # the chain alone looks fine
    error, err = failing("verify", "--anchor", str(first), "--anchor", str(second))

    assert error.returncode == 1
    assert err.count("Anchor FAILS") == 2
    assert "rewritten" in err


def test_an_anchor_signed_with_another_key_is_rejected(key, tmp_path):
    anchor_file, other = tmp_path / "a.json", tmp_path / "other.pem"
    audit("anchor", "--output", str(anchor_file))
    other.write_text(signing.public_key_pem(Ed25519PrivateKey.generate().public_key()))

    error, _ = failing("verify", "--anchor", str(anchor_file), "--public-key", str(other))

    assert "signature does not hold" in str(error)


def test_a_pem_key_in_the_environment_works(monkeypatch, settings, tmp_path):
    private = Ed25519PrivateKey.generate()
    monkeypatch.setenv(signing.ENV_KEY, signing.private_key_pem(private).decode())

    pem, _ = audit("public-key")

    assert pem == signing.public_key_pem(private.public_key())


def test_development_generates_a_key_once_with_a_clear_message(monkeypatch, settings, tmp_path):
    monkeypatch.delenv(signing.ENV_KEY, raising=False)
    monkeypatch.delenv(signing.ENV_FILE, raising=False)
    settings.DEBUG = True
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "var" / "audit_signing_key.pem"

    first, note = audit("public-key")
    again, note_again = audit("public-key")

    assert "Generated a development audit signing key" in note
    assert note_again == ""
    assert first == again
    mode = settings.AUDIT_SIGNING_KEY_FILE.stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_without_a_key_outside_development_the_command_refuses(monkeypatch, settings,
                                                               tmp_path):
    monkeypatch.delenv(signing.ENV_KEY, raising=False)
    monkeypatch.setenv(signing.ENV_FILE, str(tmp_path / "missing.pem"))
    settings.DEBUG = False

    error, _ = failing("anchor")

    assert signing.ENV_KEY in str(error)
    assert not (tmp_path / "missing.pem").exists()
    assert not AuditEntry.objects.filter(action="audit.anchor").exists()
