"""`custos audit verify | anchor | public-key`: check the tamper-evident trail and anchor it.

    custos audit verify [--anchor FILE ...] [--public-key FILE]
    custos audit anchor [--output FILE]
    custos audit public-key [--output FILE]

`verify` exits 1 naming the first entry that was altered, deleted or inserted, or an anchor
the chain no longer matches; 0 when the chain is intact (an empty trail is intact).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from custos.audit import chain, signing


class Command(BaseCommand):
    help = "Verify the tamper-evident audit trail, or anchor its head with an outside party."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        verify = sub.add_parser(
            "verify", help="walk the chain; exit 1 naming the first bad entry or failed anchor")
        verify.add_argument("--anchor", action="append", default=[], metavar="FILE",
                            help="an anchor kept by an outside party (repeatable)")
        verify.add_argument("--public-key", metavar="FILE",
                            help="the public key the anchors were signed with (PEM); by "
                                 "default this installation's own key")
        anchor = sub.add_parser(
            "anchor", help="sign the chain head for an outside party to keep (JSON)")
        anchor.add_argument("--output", metavar="FILE",
                            help="write the anchor here (default: standard output)")
        public = sub.add_parser("public-key",
                                help="print the public key that checks the anchors (PEM)")
        public.add_argument("--output", metavar="FILE")

    def handle(self, *args, subcommand: str, **options):
        try:
            return getattr(self, f"_{subcommand.replace('-', '_')}")(**options)
        except signing.SigningKeyError as error:
            raise CommandError(str(error)) from error

    def _note(self, message: str) -> None:
        self.stderr.write(message)

    def _verify(self, *, anchor: list[str], public_key: str | None, **_options) -> None:
        anchors = []
        if anchor:
            key = signing.verifying_key(public_key, notify=self._note)
            for path in anchor:
                try:
                    text = Path(path).read_bytes()
                except OSError as error:
                    raise CommandError(f"cannot read anchor {path}: {error}") from error
                try:
                    anchors.append(chain.read_anchor(text, key, source=path))
                except chain.AnchorError as error:
                    raise CommandError(f"anchor rejected: {error}") from error
        report = chain.verify(anchors)
        for line in report.lines():
            (self.stdout if report.ok else self.stderr).write(line)
        if not report.ok:
            raise CommandError("audit trail verification failed", returncode=1)

    def _anchor(self, *, output: str | None, **_options) -> None:
        key = signing.signing_key(notify=self._note)

        def publish(document: dict) -> None:
            text = json.dumps(document, indent=2) + "\n"
            if output:
                Path(output).parent.mkdir(parents=True, exist_ok=True)
                Path(output).write_text(text)
            else:
                self.stdout.write(text, ending="")

        document = chain.anchor(key, publish=publish)
        head = document["head"]
        self._note(f"Anchored {head['count']} entries up to #{head['last_id']} "
                   f"(digest {document['digest'][:16]}, key {document['key_id']})"
                   + (f" in {output}." if output else "."))

    def _public_key(self, *, output: str | None, **_options) -> None:
        pem = signing.public_key_pem(signing.signing_key(notify=self._note).public_key())
        if output:
            Path(output).write_text(pem)
        else:
            self.stdout.write(pem, ending="")
