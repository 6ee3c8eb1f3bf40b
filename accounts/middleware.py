"""Session ages (issue 8 item 7): staff sessions end after a few idle hours.

Customers keep Django's ``SESSION_COOKIE_AGE`` (14 days). A staff member's session gets
``STAFF_SESSION_IDLE_SECONDS`` from each request, so it ends that long after the last one.
"""

from django.conf import settings


class StaffSessionIdleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        # After the view: a sign-in or sign-out during the request is taken into account.
        if session is not None and user is not None and user.is_authenticated and user.is_staff:
            # Setting the expiry marks the session modified: it is saved, and its cookie
            # renewed, on every staff request, so the idle time starts again.
            session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return response
