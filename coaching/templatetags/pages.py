"""Links between the pages of a list that keep what the list was searched or filtered by."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """`?…&page=N` with the request's other query parameters (the search, the filter)."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()
