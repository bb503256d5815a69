from django.urls import path

from reports import views

urlpatterns = [
    path("rapportage/", views.report, name="report"),
]
