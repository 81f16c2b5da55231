"""The routes SimpleJWT's documentation gives, one protected view, and the OpenAPI document."""

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from .views import Me

urlpatterns = [
    path("api/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("api/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("api/me/", Me.as_view(), name="me"),
    path("api/schema/", SpectacularJSONAPIView.as_view(), name="schema"),
]
