"""The portal's URLs plus the baselines: a bare DRF page over the same POs (bench/api_cpu.py's view) and one
UPDATE of a carton row (bench/receiving.py's)."""

from django.urls import include, path

from bench.baseline import BareDrfList, bare_carton_update, bare_django_list

urlpatterns = [
    path("bench/drf/", BareDrfList.as_view()),
    path("bench/django/", bare_django_list),
    path("bench/carton-update/<int:pk>/", bare_carton_update),
    path("", include("vendor_portal.urls")),
]
