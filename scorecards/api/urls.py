from django.urls import path

from .views import ScorecardWeekViewSet

urlpatterns = [
    path("scorecards/", ScorecardWeekViewSet.as_view({"get": "list"}), name="scorecard-list"),
    path("scorecards/summary", ScorecardWeekViewSet.as_view({"get": "summary"}), name="scorecard-summary"),
    path("scorecards/<int:pk>/", ScorecardWeekViewSet.as_view({"get": "retrieve"}), name="scorecard-detail"),
]
