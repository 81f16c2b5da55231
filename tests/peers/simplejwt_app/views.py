"""The protected view: who the bearer token says you are (DRF's IsAuthenticated + JWTAuthentication)."""

from rest_framework.response import Response
from rest_framework.views import APIView


class Me(APIView):
    def get(self, request):
        return Response({"id": request.user.id, "username": request.user.get_username()})
