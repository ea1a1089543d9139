from django.urls import path

from .views import ScorecardRefreshView, ScorecardWeekViewSet

urlpatterns = [
    path("scorecards/", ScorecardWeekViewSet.as_view({"get": "list"}), name="scorecard-list"),
    path("scorecards/refresh/", ScorecardRefreshView.as_view(), name="scorecard-refresh"),
    path("scorecards/summary", ScorecardWeekViewSet.as_view({"get": "summary"}), name="scorecard-summary"),
    path("scorecards/<int:pk>/", ScorecardWeekViewSet.as_view({"get": "retrieve"}), name="scorecard-detail"),
]
