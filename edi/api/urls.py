from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("edi/interchanges", views.InterchangeViewSet, basename="edi-interchange")

urlpatterns = router.urls
