"""Staff roles (1.5): groups and the permissions each needs.

The groups are created by a migration; their permissions are derived from rules here
and applied after every ``migrate`` (permissions of a new model exist only then), so a
model added later gets the right access without another hand-written list.

The rules, in one place (the admin reads them through ``homeshop_privacy.admin_base``):

- Staff accounts and groups (``accounts.User``, ``auth.Group``) are managed by
  superusers only (``may_manage_staff``): no role holds a permission to add, change or
  delete a user, nor any ``auth`` permission. Officers and auditors may read the users;
  support agents do not reach them at all (they work on ``Customer``). Nobody changes
  their own privileges, a superuser included (``PRIVILEGE_FIELDS`` are read-only on
  one's own account).
- History is read-only for everyone; who may read a record may read its versions.
- An admin action that writes declares a permission; the ones in ``OFFICER_ONLY`` are
  the officer's own (voiding a register entry, telling customers of a breach).
"""

from django.contrib.auth.models import Group, Permission

COMPLIANCE_OFFICER = "Compliance officer"
SUPPORT_AGENT = "Support agent"
AUDITOR = "Auditor"
ROLES = (COMPLIANCE_OFFICER, SUPPORT_AGENT, AUDITOR)

PROJECT_APPS = ("homeshop_privacy", "accounts", "consents", "disclosures", "claims")
# Support agents work with customers and claims; breaches are compliance-only.
SUPPORT_APPS = ("accounts", "claims")
SUPPORT_READ_APPS = ("consents", "disclosures")
SUPPORT_EXCLUDED_WORDS = ("breach", "securityevent", "passwordresetrequest")
# 6.2: a category's term sets every due date of its claims; support agents read it only
# (the working-day calendar, homeshop_privacy.calendaroverride, is not theirs at all).
SUPPORT_READ_ONLY_MODELS = ("claims.claimcategory", "claims.historicalclaimcategory")
# Issue 8 item 6: failed sign-in attempts (django-axes). Officers see them and lift locks
# (delete), auditors only see them, support agents have no access. The access log of
# successful sign-ins and the failure log are switched off in settings.
SIGN_IN_ATTEMPT_PERMISSIONS = {
    COMPLIANCE_OFFICER: ("axes.view_accessattempt", "axes.delete_accessattempt"),
    AUDITOR: ("axes.view_accessattempt",),
}


def _sign_in_attempt_permissions(role: str) -> list:
    wanted = SIGN_IN_ATTEMPT_PERMISSIONS.get(role, ())
    return [
        perm
        for perm in Permission.objects.filter(content_type__app_label="axes").select_related(
            "content_type"
        )
        if f"axes.{perm.codename}" in wanted
    ]


#: Staff accounts: written by superusers only, never through a role's permission.
STAFF_ACCOUNT_MODELS = ("accounts.user", "accounts.historicaluser")
#: Fields of a user that grant access; read-only on one's own account for everyone.
PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")
#: Permissions of the compliance officer alone (``Meta.permissions`` of their models).
VOID_DISCLOSURE = "disclosures.void_disclosure"
NOTIFY_BREACH = "disclosures.notify_breach"
OFFICER_ONLY = (VOID_DISCLOSURE, NOTIFY_BREACH)


def is_officer(user) -> bool:
    """A compliance officer (or a superuser), active."""
    if user is None or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=COMPLIANCE_OFFICER).exists()


def is_support_agent(user) -> bool:
    return user is not None and user.groups.filter(name=SUPPORT_AGENT).exists()


def officers() -> list:
    """The active compliance officers, who are told what nobody else handles (6.2)."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=COMPLIANCE_OFFICER)
        .order_by("pk")
    )


def may_manage_staff(user) -> bool:
    """Who adds, changes or deletes staff accounts and groups, and sets their passwords."""
    return bool(user.is_active and user.is_superuser)


def _label(perm: Permission) -> str:
    return f"{perm.content_type.app_label}.{perm.codename}"


def _model(perm: Permission) -> str:
    return f"{perm.content_type.app_label}.{perm.content_type.model}"


def role_permissions(role: str):
    perms = Permission.objects.filter(content_type__app_label__in=PROJECT_APPS).select_related(
        "content_type"
    )
    # Reading a user is a role's permission; writing one is not (may_manage_staff).
    perms = [
        p for p in perms if _model(p) not in STAFF_ACCOUNT_MODELS or p.codename.startswith("view_")
    ]
    if role == COMPLIANCE_OFFICER:
        return list(perms) + _sign_in_attempt_permissions(role)
    perms = [p for p in perms if _label(p) not in OFFICER_ONLY]
    if role == AUDITOR:
        # Read-only, history included (historical models have view_ permissions of their
        # own), and the exports a regulator asks for.
        return [
            p for p in perms if p.codename.startswith(("view_", "export_"))
        ] + _sign_in_attempt_permissions(role)
    if role == SUPPORT_AGENT:
        chosen = []
        for perm in perms:
            model = perm.content_type.model
            if any(word in model for word in SUPPORT_EXCLUDED_WORDS):
                continue
            if _model(perm) in STAFF_ACCOUNT_MODELS:
                continue  # support agents work on Customer, never on sign-in accounts
            if perm.codename.startswith("delete_"):
                continue
            if _model(perm) in SUPPORT_READ_ONLY_MODELS and not perm.codename.startswith("view_"):
                continue
            app = perm.content_type.app_label
            if app in SUPPORT_APPS or (
                app in SUPPORT_READ_APPS and perm.codename.startswith("view_")
            ):
                chosen.append(perm)
        return chosen
    raise ValueError(role)


def roles_sync() -> None:
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(role_permissions(role))


def roles_sync_on_migrate(sender, using="default", **kwargs):
    if using != "default":
        return
    roles_sync()
