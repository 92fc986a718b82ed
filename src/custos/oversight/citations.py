"""Rule citations in the reader's language.

Findings and refusals keep their citation in English ("Mandela Rules 43(1)(b) and 44") as data,
the same in every language, in the audit trail and the API; pages and messages show it through
`cite`, which translates the names of the instruments and the joining words.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_PART = re.compile(r"Mandela Rules|Mandela Rule|Bangkok Rules|Bangkok Rule|Havana Rules|"
                   r"Havana Rule|OPCAT art\.| and ")


def cite(rule: str) -> str:
    """'Mandela Rule 45(2); Havana Rule 67' → the same citation in the active language."""
    conjunction = _("and")
    names = {
        "Mandela Rules": _("Mandela Rules"), "Mandela Rule": _("Mandela Rule"),
        "Bangkok Rules": _("Bangkok Rules"), "Bangkok Rule": _("Bangkok Rule"),
        "Havana Rules": _("Havana Rules"), "Havana Rule": _("Havana Rule"),
        "OPCAT art.": _("OPCAT art."), " and ": " " + conjunction + " ",
    }
    return _PART.sub(lambda found: names[found.group(0)], rule or "")
