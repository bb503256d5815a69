"""The site's URLs plus the benchmark's floor page (only when benchmarking: the benchmarks
set ROOT_URLCONF to this module)."""

from django.urls import path

from bench.views import bare, floor
from coaching.urls import urlpatterns as site

urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("bench/bare/", bare, name="bench_bare"),
    *site,
]
