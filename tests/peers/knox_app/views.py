"""knox's documented login view for a username + password body, and one protected view.

The login view is the one knox's documentation gives for "a JSON/form username and password" login
(DRF's AuthTokenSerializer validates the body, ``login()`` records the user, knox's LoginView issues the
token); everything else is knox's and DRF's default behaviour, error statuses included.
"""

from django.contrib.auth import login
from knox.views import LoginView as KnoxLoginView
from rest_framework import permissions
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView


class LoginView(KnoxLoginView):
    permission_classes = (permissions.AllowAny,)

    def post(self, request, format=None):
        serializer = AuthTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        login(request, user)
        return super().post(request, format=None)


class Me(APIView):
    def get(self, request):
        return Response({"id": request.user.id, "username": request.user.get_username()})
