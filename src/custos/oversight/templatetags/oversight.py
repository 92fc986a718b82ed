from django import template

from custos.oversight.citations import cite as cite_rule

register = template.Library()


@register.filter
def cite(rule: str) -> str:
    """A rule citation in the reader's language: {{ flag.rule|cite }}."""
    return cite_rule(rule)
