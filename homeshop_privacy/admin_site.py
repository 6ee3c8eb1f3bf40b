"""The admin site of the back office: staff need a verified second factor (issue 8 item 7).

With ``STAFF_OTP_REQUIRED`` on (the default), a staff member signed in with the password
alone is not let into any admin page: the sign-in page sends them on to enter a code
(``two-factor/``) or, with no device yet, to enrol one (``two-factor/setup/``).
"""

from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme


def staff_otp_pending(request) -> bool:
    """Signed in as staff with the password, but the second factor is still missing."""
    user = request.user
    if not (settings.STAFF_OTP_REQUIRED and user.is_active and user.is_staff):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified and is_verified())


def staff_access_verified(request) -> bool:
    """Staff whose session may use what being staff grants, on any page, admin or not.

    Every check that lets someone in *because* they are staff (``is_staff``, ``has_perm``)
    outside the admin goes through here, so the second factor guards the whole site, not
    only the admin's URLs (issue 8 item 7).
    """
    user = request.user
    return bool(user.is_active and user.is_staff) and not staff_otp_pending(request)


class HomeshopAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and not staff_otp_pending(request)

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        if request.method == "POST" and request.user.is_authenticated:
            # Issue 13: from the sign-in on, the admin speaks the staff member's language
            # (their setting), not the browser's; the header's switcher changes both.
            language_cookie_set(response, request.user.language)
        # After the password (or when coming back with it), the code is the next step.
        if request.user.is_authenticated and staff_otp_pending(request):
            return language_cookie_set(redirect_to_second_factor(request), request.user.language)
        return response

    def language_view(self, request):
        """The header's language switcher (issue 13): saves the staff member's language
        and shows the admin in it. POST only; any verified staff member, for themselves."""
        from django.http import HttpResponseNotAllowed

        from accounts.services import user_language_set

        from .errors import DomainError

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        language = request.POST.get("language", "")
        target = request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            from django.urls import reverse

            target = reverse("admin:index", current_app=self.name)
        try:
            user_language_set(user=request.user, language=language)
        except DomainError as exc:
            from django.contrib import messages

            messages.error(request, "; ".join(exc.messages))
            return redirect(target)
        return language_cookie_set(redirect(target), language)

    def get_urls(self):
        from functools import partial

        from accounts import two_factor_views

        from . import summary_admin

        return [
            path(
                "two-factor/",
                self.admin_view_unverified(two_factor_views.StaffOTPVerifyView.as_view()),
                name="two_factor_verify",
            ),
            path(
                "two-factor/setup/",
                self.admin_view_unverified(two_factor_views.StaffOTPSetupView.as_view()),
                name="two_factor_setup",
            ),
            path("language/", self.admin_view(self.language_view), name="language"),
            path(
                "compliance-summary/",
                self.admin_view(partial(summary_admin.summary_view, site=self)),
                name="compliance_summary",
            ),
            path(
                "compliance-summary.csv",
                self.admin_view(partial(summary_admin.summary_csv_view, site=self)),
                name="compliance_summary_csv",
            ),
        ] + [self._view_on_site_checked(pattern) for pattern in super().get_urls()]

    def _view_on_site_checked(self, pattern):
        """Django's "view on site" shortcut, behind the record's view permission."""
        if getattr(pattern, "name", None) != "view_on_site":
            return pattern
        return path(str(pattern.pattern), self.admin_view(self.view_on_site), name="view_on_site")

    def view_on_site(self, request, content_type_id, object_id):
        """1.5: the redirect names the record (a claim's reference), so only staff who may
        view it in the admin are sent there; others get 403, an unknown record 404."""
        from django.contrib.admin.utils import unquote
        from django.contrib.auth import get_permission_codename
        from django.contrib.contenttypes.models import ContentType
        from django.contrib.contenttypes.views import shortcut
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model = content_type.model_class() if content_type is not None else None
        if model is None:
            raise Http404
        model_admin = self._registry.get(model)
        if model_admin is None:
            opts = model._meta
            allowed = any(
                request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
                for action in ("view", "change")
            )
            if not allowed:
                raise PermissionDenied
        else:
            if not model_admin.has_view_permission(request):
                raise PermissionDenied
            obj = model_admin.get_object(request, unquote(object_id))
            if obj is None:
                raise Http404
            if not model_admin.has_view_permission(request, obj):
                raise PermissionDenied
        return shortcut(request, content_type_id, object_id)

    def admin_view_unverified(self, view):
        """For the second-factor pages: staff signed in with the password, not yet verified."""
        from django.views.decorators.cache import never_cache
        from django.views.decorators.csrf import csrf_protect

        def inner(request, *args, **kwargs):
            if not (request.user.is_active and request.user.is_staff):
                return redirect(f"{self.login_url()}?next={request.get_full_path()}")
            return view(request, *args, site=self, **kwargs)

        return never_cache(csrf_protect(inner))

    def login_url(self) -> str:
        from django.urls import reverse

        return reverse("admin:login", current_app=self.name)


def language_cookie_set(response, language: str):
    """The cookie Django's LocaleMiddleware reads first (as ``i18n/setlang/`` sets it)."""
    if language in {code for code, _label in settings.LANGUAGES}:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def redirect_to_second_factor(request):
    from django.urls import reverse
    from django.utils.http import urlencode
    from django_otp import user_has_device

    name = "admin:two_factor_verify" if user_has_device(request.user) else "admin:two_factor_setup"
    target = reverse(name)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target += "?" + urlencode({"next": next_url})
    return redirect(target)
