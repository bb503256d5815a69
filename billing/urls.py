from django.urls import path

from billing import views

urlpatterns = [
    path("facturen/", views.invoice_list, name="invoice_list"),
    path("facturen/nieuw/", views.invoice_new, name="invoice_new"),
    path("facturen/<uuid:invoice>/", views.invoice_detail, name="invoice_detail"),
    path("facturen/<uuid:invoice>/pdf/", views.invoice_pdf_view, name="invoice_pdf"),
    path("facturen/<uuid:invoice>/versturen/", views.invoice_send_view, name="invoice_send"),
    path("facturen/<uuid:invoice>/betaald/", views.invoice_paid, name="invoice_paid"),
    path("facturen/<uuid:invoice>/crediteren/", views.invoice_credit_view, name="invoice_credit"),
    path("facturen/<uuid:invoice>/verwijderen/", views.invoice_delete_view, name="invoice_delete"),
    path("facturen/<uuid:invoice>/regels/", views.invoice_line_new, name="invoice_line_new"),
    path(
        "facturen/regels/<uuid:line>/verwijderen/",
        views.invoice_line_delete,
        name="invoice_line_delete",
    ),
    path("offertes/", views.quote_new, name="quote_new"),
    path("offertes/<uuid:quote>/", views.quote_detail, name="quote_detail"),
    path("offertes/<uuid:quote>/pdf/", views.quote_pdf_view, name="quote_pdf"),
    path(
        "offertes/aanvragen/<uuid:quote_request>/",
        views.quote_request_detail,
        name="quote_request_detail",
    ),
    path(
        "offertes/aanvragen/<uuid:quote_request>/afsluiten/",
        views.quote_request_close_view,
        name="quote_request_close",
    ),
    # The public site: an organisation asks for a quote (linked from the Backstage page).
    path("backstage-groep/offerte-aanvragen/", views.quote_request, name="quote_request"),
    path(
        "backstage-groep/offerte-aanvragen/bedankt/",
        views.quote_request_thanks,
        name="quote_request_thanks",
    ),
    path(
        "coach/clienten/<uuid:client>/strippenkaart/",
        views.package_sell_view,
        name="package_sell",
    ),
    path(
        "coach/strippenkaarten/<uuid:purchase>/intrekken/",
        views.package_withdraw_view,
        name="package_withdraw",
    ),
    path("portaal/facturen/", views.portal_invoices, name="portal_invoices"),
    path(
        "portaal/facturen/<uuid:invoice>/pdf/", views.portal_invoice_pdf, name="portal_invoice_pdf"
    ),
]
