"""Writes for assessments. Every one checks the access policy and writes its audit entry."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail

from . import instruments
from .instruments import InvalidInstrument
from .models import Instrument


@transaction.atomic
def instrument_load(*, acting_user, text: str, source_name: str) -> Instrument:
    """Load one version of an instrument from the text of its file.

    The same code and version with the same content again is a no-op that returns the
    instrument already loaded; with different content it is refused, because assessments
    may already use that version: a change is a new version. `acting_user` None is the
    system (the `load_instrument` command run by whoever administers the server).
    """
    if acting_user is not None:
        policy.require(acting_user, "assessments.manage_instruments", target="instrument")
    parsed = instruments.parse(text)
    definition = parsed.definition
    code, version = definition["code"], definition["version"]
    existing = Instrument.objects.select_for_update().filter(code=code, version=version).first()
    if existing is not None:
        if existing.definition == definition:
            return existing
        raise InvalidInstrument([(parsed.line_of("version"), _(
            "version %(version)s of %(code)s is already loaded with different content; give "
            "it a new version") % {"version": version, "code": code})])
    instrument = Instrument(
        code=code,
        version=version,
        kind=definition["kind"],
        title=definition["title"],
        definition=definition,
        source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        loaded_by=acting_user,
    )
    instrument.full_clean()
    instrument.save()
    items = list(instruments.items_of(definition))
    trail.record(acting_user, "instrument.load", instrument, changes={
        "code": code, "version": version, "kind": instrument.kind,
        "source": source_name, "source_sha256": instrument.source_sha256,
        "domains": len(definition["domains"]), "items": len(items),
    }, via="" if acting_user is not None else "command")
    return instrument
