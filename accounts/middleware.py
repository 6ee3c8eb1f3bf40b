"""Session ages (issue 8 item 7): staff sessions end after a few idle hours.

Customers keep Django's ``SESSION_COOKIE_AGE`` (14 days). A staff member's session is
given ``STAFF_SESSION_IDLE_SECONDS`` from their latest request, so it ends that long after
they stop. To spare a session write on every admin page, the expiry moves forward at
most every ``STAFF_SESSION_REFRESH_SECONDS`` (the idle limit is met within that).
"""

import time

from django.conf import settings

STAFF_SEEN_SESSION_KEY = "staff_seen_at"
STAFF_SESSION_REFRESH_SECONDS = 5 * 60


def staff_session_refresh(session, *, force: bool = False) -> None:
    """Start the staff idle time again (a session write) if the last start is old enough."""
    now = int(time.time())
    last = session.get(STAFF_SEEN_SESSION_KEY)
    if force or last is None or now - last >= STAFF_SESSION_REFRESH_SECONDS:
        session[STAFF_SEEN_SESSION_KEY] = now
        session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)


class StaffSessionIdleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        # After the view, so that a sign-in or sign-out during the request counts.
        if session is not None and user is not None and user.is_authenticated and user.is_staff:
            staff_session_refresh(session, force=session.modified)
        return response
