from django.urls import path

from .views import ComplianceForecastView

urlpatterns = [path("compliance/forecast/", ComplianceForecastView.as_view(), name="compliance-forecast")]
