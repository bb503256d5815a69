from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks' practices (`manage.py seed_bench`), their tests and `make bench`."""

    name = "bench"
    verbose_name = "Benchmarks"
