"""Response headers that Django's SecurityMiddleware does not send (issue 8 item 9).

Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY); this
module adds the Permissions-Policy, which switches off the browser features
(camera, microphone, geolocation, payment, ...) that no page of this project uses, so
that injected content cannot ask for them either.
"""

from django.conf import settings


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"camera": [], "fullscreen": ["self"]}`` -> ``camera=(), fullscreen=(self)``."""
    return ", ".join(
        f"{feature}=({' '.join(origins)})" for feature, origins in sorted(policy.items())
    )


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
