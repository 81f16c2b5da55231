"""The routes knox's documentation gives (login, logout, logoutall under api/auth/) and one protected view."""

from django.urls import path
from knox import views as knox_views

from .views import LoginView, Me

urlpatterns = [
    path("api/auth/login/", LoginView.as_view(), name="knox_login"),
    path("api/auth/logout/", knox_views.LogoutView.as_view(), name="knox_logout"),
    path("api/auth/logoutall/", knox_views.LogoutAllView.as_view(), name="knox_logoutall"),
    path("api/me/", Me.as_view(), name="me"),
]
