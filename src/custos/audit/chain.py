"""Check the audit chain, and anchor its head with an outside party.

`verify` walks every entry in id order, recomputes its hash (`trail.canonical`) and checks
that it links to the entry before it. It names the first bad entry:

- *altered*: its content no longer matches its own hash;
- *deleted before it*: it links to an entry that is no longer there (or to one that was
  altered and re-hashed);
- *inserted*: the chain links past it.

Ids are not expected to be contiguous: a rolled-back transaction leaves a gap in a
PostgreSQL sequence. Deletions and insertions show up in the links instead.

A database superuser could rewrite the whole chain and re-hash it consistently; the chain
alone cannot show that. So `anchor` signs the current head (entry count, last id, last
hash, time) with the audit signing key (Ed25519, `custos.audit.signing`), for the
independent monitor or the ministry to keep. `verify` given those anchors checks that the
chain still holds, at the anchored position, exactly the anchored entry.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import signing, trail
from .models import AuditEntry

ALTERED = gettext_noop("altered")
DELETED_BEFORE = gettext_noop("deleted before it")
INSERTED = gettext_noop("inserted")

ANCHOR_TYPE = "custos-audit-anchor"
ANCHOR_VERSION = 1
_ANCHOR_CONTEXT = b"custos-audit-anchor/1\n"  # signed messages can't be mistaken for others

# Columns read by `verify`: id, action and stored hash, then the hashed content in the order
# of `trail.HASHED` + `trail.HASHED_IF_SET` ("actor" is the column actor_id).
_HASHED_NAMES = trail.HASHED + trail.HASHED_IF_SET
_COLUMNS = ("id", "action", "hash") + tuple("actor_id" if n == "actor" else n
                                            for n in _HASHED_NAMES)
CHUNK = 20_000


# --- results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """The first bad entry: its id and action, what is wrong, and why we think so."""

    entry_id: int
    action: str
    kind: str  # ALTERED, DELETED_BEFORE or INSERTED
    detail: str

    def __str__(self) -> str:
        return _("entry #%(id)s (%(action)s): %(kind)s — %(detail)s") % {
            "id": self.entry_id, "action": self.action, "kind": _(self.kind),
            "detail": self.detail}


@dataclass(frozen=True)
class Head:
    """The chain head an anchor vouches for. An empty chain has no last id."""

    count: int
    last_id: int | None
    last_hash: str
    at: str  # ISO 8601, UTC

    def payload(self) -> bytes:
        """The exact bytes that are signed."""
        body = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return _ANCHOR_CONTEXT + body.encode()

    def digest(self) -> str:
        return hashlib.sha256(self.payload()).hexdigest()


@dataclass(frozen=True)
class Anchor:
    head: Head
    source: str = ""  # where it was read from, for messages

    def __str__(self) -> str:
        name = f"{self.source}: " if self.source else ""
        return _("%(name)s%(count)s entries up to #%(id)s at %(at)s") % {
            "name": name, "count": self.head.count,
            "id": "-" if self.head.last_id is None else self.head.last_id, "at": self.head.at}


@dataclass
class AnchorCheck:
    anchor: Anchor
    ok: bool = False
    detail: str = ""


@dataclass
class Report:
    count: int = 0
    last_id: int | None = None
    last_hash: str = trail.GENESIS
    problem: Problem | None = None
    anchors: list[AnchorCheck] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.problem is None and all(check.ok for check in self.anchors)

    def lines(self) -> list[str]:
        """The outcome in words: the first problem, then each anchor, then a summary."""
        out = []
        if self.problem:
            out.append(_("Audit chain broken at %(problem)s") % {"problem": self.problem})
        for check in self.anchors:
            if check.ok:
                out.append(_("Anchor holds: %(anchor)s") % {"anchor": check.anchor})
            else:
                out.append(_("Anchor FAILS: %(anchor)s — %(detail)s")
                           % {"anchor": check.anchor, "detail": check.detail})
        if self.problem is None:
            out.append(_("Audit chain intact: %(count)s entries, last #%(id)s, "
                         "head %(hash)s (%(seconds).1f s).")
                       % {"count": self.count, "id": self.last_id or "-",
                          "hash": self.last_hash[:16], "seconds": self.seconds})
        return out


# --- verify ----------------------------------------------------------------------------------

def _rows(chunk: int) -> Iterator[tuple]:
    """Every entry as a tuple of `_COLUMNS`, in id order, a chunk at a time.

    Keyset chunks rather than one long cursor: SQLite writers are not held up for the whole
    walk, and entries appended meanwhile are simply walked too.
    """
    rows = AuditEntry.objects.order_by("id").values_list(*_COLUMNS)
    batch = list(rows[:chunk])
    while batch:
        yield from batch
        batch = list(rows.filter(id__gt=batch[-1][0])[:chunk])


def _first_id_after(entry_id: int | None) -> int | None:
    entries = AuditEntry.objects.order_by("id").values_list("id", flat=True)
    if entry_id is not None:
        entries = entries.filter(id__gt=entry_id)
    return entries.first()


def _link_problem(entry_id: int, action: str, prev_hash: str, expected: str,
                  previous_id: int | None) -> Problem:
    """Entry `entry_id` does not link to the entry before it: say what happened."""
    following = (AuditEntry.objects.filter(id__gt=entry_id).order_by("id")
                 .values_list("prev_hash", flat=True).first())
    if following is not None and following == expected:
        return Problem(entry_id, action, INSERTED,
                       _("the entry after it links to the entry before it, #%(id)s")
                       % {"id": previous_id if previous_id is not None else "-"})
    if prev_hash == trail.GENESIS:
        first = _first_id_after(None)
        return _inserted_from(first, entry_id, _("the start of the trail"))
    target = AuditEntry.objects.filter(hash=prev_hash).values_list("id", flat=True).first()
    if target is not None and target < entry_id:
        return _inserted_from(_first_id_after(target), entry_id, f"#{target}")
    if target is not None:
        return Problem(entry_id, action, ALTERED,
                       _("its place in the chain was changed: it links to #%(id)s, which "
                         "comes after it") % {"id": target})
    return Problem(entry_id, action, DELETED_BEFORE,
                   _("it links to an entry that is no longer in the trail (or the entry "
                     "before it, #%(id)s, was altered and re-hashed)")
                   % {"id": previous_id if previous_id is not None else "-"})


def _inserted_from(first_inserted: int, linking_id: int, linked_to: str) -> Problem:
    action = AuditEntry.objects.filter(id=first_inserted).values_list(
        "action", flat=True).first() or ""
    return Problem(first_inserted, action, INSERTED,
                   _("entry #%(linking)s links to %(target)s, past this one")
                   % {"linking": linking_id, "target": linked_to})


def verify(anchors: Iterable[Anchor] = (), *, chunk: int = CHUNK) -> Report:
    """Walk the whole chain; check it against `anchors` (already signature-checked)."""
    started = time.perf_counter()
    report = Report(anchors=[AnchorCheck(a) for a in anchors])
    waiting: dict[int, list[AnchorCheck]] = {}
    for check in report.anchors:
        if check.anchor.head.last_id is None:  # the chain was empty when anchored
            check.ok = check.anchor.head.count == 0
            check.detail = "" if check.ok else _("an empty chain must have 0 entries")
        else:
            waiting.setdefault(check.anchor.head.last_id, []).append(check)

    names = _HASHED_NAMES
    hash_values = trail.hash_values
    expected = trail.GENESIS
    previous_id = None
    count = 0
    for row in _rows(chunk):
        entry_id, action, stored = row[0], row[1], row[2]
        count += 1
        if report.problem is None:
            values = dict(zip(names, row[3:], strict=True))
            if hash_values(values) != stored:
                report.problem = Problem(entry_id, action, ALTERED,
                                         _("its content no longer matches its hash"))
            elif values["prev_hash"] != expected:
                report.problem = _link_problem(entry_id, action, values["prev_hash"],
                                               expected, previous_id)
            if report.problem is not None and not waiting:
                break
        if entry_id in waiting:
            for check in waiting.pop(entry_id):
                _check_anchor(check, stored, count)
            if report.problem is not None and not waiting:
                break
        expected, previous_id = stored, entry_id
    report.count, report.last_id, report.last_hash = count, previous_id, expected
    for checks in waiting.values():
        for check in checks:
            check.detail = _("entry #%(id)s is no longer in the trail: the chain was "
                             "truncated or rewritten") % {"id": check.anchor.head.last_id}
    report.seconds = time.perf_counter() - started
    return report


def _check_anchor(check: AnchorCheck, stored_hash: str, position: int) -> None:
    head = check.anchor.head
    if stored_hash != head.last_hash:
        check.detail = _("entry #%(id)s no longer has the anchored hash: the chain was "
                         "rewritten") % {"id": head.last_id}
    elif position != head.count:
        check.detail = _("%(now)s entries up to #%(id)s, %(then)s when anchored") % {
            "now": position, "id": head.last_id, "then": head.count}
    else:
        check.ok = True


# --- anchors ---------------------------------------------------------------------------------

class AnchorError(ValueError):
    """An anchor file that is malformed or whose signature does not hold."""


def chain_head() -> Head:
    """The current head, read consistently (call under the append lock)."""
    last = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
    return Head(count=AuditEntry.objects.count(), last_id=last[0] if last else None,
                last_hash=last[1] if last else trail.GENESIS,
                at=timezone.now().isoformat(timespec="seconds"))


def sign(head: Head, key: Ed25519PrivateKey) -> dict:
    """The anchor document for `head`: JSON-ready, for the outside party to keep."""
    return {
        "type": ANCHOR_TYPE,
        "version": ANCHOR_VERSION,
        "head": asdict(head),
        "digest": head.digest(),
        "algorithm": "Ed25519",
        "key_id": signing.key_id(key.public_key()),
        "signature": base64.b64encode(key.sign(head.payload())).decode(),
    }


def read_anchor(text: str | bytes, public_key: Ed25519PublicKey, *, source: str = "") -> Anchor:
    """Parse an anchor document and check its signature; `AnchorError` if it does not hold."""
    where = f"{source}: " if source else ""
    try:
        document = json.loads(text)
        if document.get("type") != ANCHOR_TYPE or document.get("version") != ANCHOR_VERSION:
            raise AnchorError(where + _("not a Custos audit anchor (version %(version)s)")
                              % {"version": ANCHOR_VERSION})
        raw = document["head"]
        head = Head(count=int(raw["count"]),
                    last_id=None if raw["last_id"] is None else int(raw["last_id"]),
                    last_hash=str(raw["last_hash"]), at=str(raw["at"]))
        signature = base64.b64decode(document["signature"], validate=True)
    except AnchorError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise AnchorError(where + _("malformed anchor (%(error)s)") % {"error": error}) from error
    if document.get("digest") != head.digest():
        raise AnchorError(where + _("the digest does not match the head"))
    try:
        public_key.verify(signature, head.payload())
    except InvalidSignature:
        raise AnchorError(where + _("the signature does not hold for this public key (key "
                                    "%(key)s, anchor signed by %(signer)s)")
                          % {"key": signing.key_id(public_key),
                             "signer": document.get("key_id", "?")}) from None
    return Anchor(head=head, source=source)


def anchor(key: Ed25519PrivateKey, *, actor=None,
           publish: Callable[[dict], None] | None = None) -> dict:
    """Sign the current head and record the anchoring ("audit.anchor") in the trail.

    Under the append lock, so no entry slips in between the head and its record; `publish`
    (e.g. write the file) runs inside the transaction, so a failed publication records
    nothing.
    """
    with transaction.atomic():
        trail.lock_chain_head()
        head = chain_head()
        document = sign(head, key)
        if publish is not None:
            publish(document)
        trail.record(actor, "audit.anchor", object_type="audit.auditentry",
                     object_id=str(head.last_id or ""),
                     object_repr="chain head",
                     changes={"count": head.count, "last_id": head.last_id,
                              "last_hash": head.last_hash, "digest": document["digest"],
                              "key_id": document["key_id"]},
                     via="command" if actor is None else "")
    return document
