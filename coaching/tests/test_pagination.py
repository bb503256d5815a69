"""The pages of every paginated list (templates/includes/pagination.html) keep the list's search
and filter: the invoice list's links dropped them, so its second page was of all invoices."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_the_links_keep_the_other_parameters_and_replace_the_page():
    request = RequestFactory().get("/facturen/", {"q": "2026", "status": "sent", "page": "2"})
    page = Paginator(range(60), 25).get_page(2)
    html = render_to_string("includes/pagination.html", {"page": page}, request=request)
    assert 'href="?q=2026&amp;status=sent&amp;page=1"' in html
    assert 'href="?q=2026&amp;status=sent&amp;page=3"' in html


def test_one_page_has_no_links():
    request = RequestFactory().get("/facturen/")
    page = Paginator(range(3), 25).get_page(1)
    assert (
        render_to_string("includes/pagination.html", {"page": page}, request=request).strip() == ""
    )
