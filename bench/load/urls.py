"""The portal's URLs plus the baseline: a bare DRF page over the same POs (bench/api_cpu.py's view)."""

from django.urls import include, path

from bench.baseline import BareDrfList, bare_django_list

urlpatterns = [
    path("bench/drf/", BareDrfList.as_view()),
    path("bench/django/", bare_django_list),
    path("", include("vendor_portal.urls")),
]
