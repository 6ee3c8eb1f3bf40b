from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from homeshop_privacy import customer_pages
from homeshop_privacy.access_log import PersonalDataAdminMixin
from homeshop_privacy.admin_base import (
    EstimatedCountPaginator,
    ListRowsMixin,
    StaffAccountsAdminMixin,
    TrackedAdmin,
)
from homeshop_privacy.admin_services import ServiceAdmin
from homeshop_privacy.timestamps import display_datetime

from . import selectors, services
from .forms import CustomerForm
from .models import (
    AccountClosureRequest,
    Address,
    Customer,
    CustomerDevice,
    CustomerHold,
    Order,
    User,
    VisitEvent,
)


@admin.register(User)
class UserAdmin(  # customers sign in too
    PersonalDataAdminMixin, StaffAccountsAdminMixin, DjangoUserAdmin, TrackedAdmin
):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "language")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email",)  # see get_search_results
    search_help_text = _("Exact email address (any case).")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )

    def get_search_results(self, request, queryset, search_term):
        # Customers are users too: millions of rows, so only what an index answers.
        return selectors.users_search(queryset=queryset, term=search_term), False


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(StaffAccountsAdminMixin, DjangoGroupAdmin):
    """Roles are groups: changed by superusers only (``homeshop_privacy.roles``)."""


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    # Four 20em inputs pushed the customer page wider than a laptop screen.
    widgets = {
        "city": forms.TextInput(attrs={"size": 14}),
        "street": forms.TextInput(attrs={"size": 28}),
        "apartment": forms.TextInput(attrs={"size": 6}),
        "postal_code": forms.TextInput(attrs={"size": 7}),
    }

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.widgets:
            kwargs["widget"] = self.widgets[db_field.name]
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class DeviceInline(admin.TabularInline):
    model = CustomerDevice
    extra = 0
    readonly_fields = ("browser", "operating_system", "first_seen_at", "last_seen_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


RECENT_ORDERS = 10
EMAIL_READ_ONLY_HELP = _(
    "Only the customer changes this address, on their account page; it takes effect once "
    "confirmed from the new address."
)


@admin.register(Customer)
class CustomerAdmin(ServiceAdmin, PersonalDataAdminMixin, TrackedAdmin):
    form = CustomerForm
    list_display = (
        "id",
        "last_name",
        "first_name",
        "email",
        "phone",
        "preferred_language",
        "created_at",
    )
    list_filter = ("preferred_language",)
    search_fields = ("email", "phone", "last_name")
    search_help_text = _("Exact email, phone (any format) or last name.")
    ordering = ("-id",)
    inlines = [AddressInline, DeviceInline]
    # The sign-in account is linked by the service that opens it (customer_sign_in_open),
    # never typed in: pointing a customer at a staff account would hand that account's
    # email, and so its password reset, to whoever edits the customer.
    readonly_fields = ("user", "recent_orders")
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "phone", "email", "preferred_language")}),
        (_("Sign-in account"), {"fields": ("user",)}),
        (_("Purchase history"), {"fields": ("recent_orders",)}),
    )

    # Other apps add their panels through ``customer_pages`` from their ``ready()``; they are
    # read here, when a page is built, so the order the apps load in does not matter.
    def get_inlines(self, request, obj):
        return [*self.inlines, *customer_pages.admin_inlines()]

    @property
    def actions(self):
        return customer_pages.admin_actions()

    def get_readonly_fields(self, request, obj=None):
        # Staff never move where a customer's mail and sign-in go (customer_save refuses
        # it too): only the customer changes the address, confirmed from the new one.
        fields = super().get_readonly_fields(request, obj)
        return fields if obj is None else (*fields, "email")

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            kwargs["help_texts"] = {"email": EMAIL_READ_ONLY_HELP}
        return super().get_form(request, obj, **kwargs)

    @admin.display(description=_("latest orders"))
    def recent_orders(self, obj):
        # A customer can have thousands of orders: show the latest, link to the rest.
        if obj.pk is None:
            return "—"
        orders = list(selectors.customer_orders(customer=obj)[:RECENT_ORDERS])
        url = reverse("admin:accounts_order_changelist") + f"?customer__id__exact={obj.pk}"
        rows = format_html_join(
            "",
            "<tr><td><a href='{}'>{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td></tr>",
            (
                (
                    reverse("admin:accounts_order_change", args=[o.pk]),
                    o.number,
                    display_datetime(o.placed_at),
                    o.seller_name,
                    o.get_status_display(),
                    o.total,
                    o.currency,
                )
                for o in orders
            ),
        )
        return format_html(
            "<table>{}</table><p><a href='{}'>{}</a></p>",
            rows,
            url,
            _("All orders of this customer"),
        )

    def has_delete_permission(self, request, obj=None):
        # 4.1: customers are anonymised by the retention rules (customers_inactive, the
        # closures_* rules of homeshop_privacy.retention), never deleted by hand.
        return False

    def get_search_results(self, request, queryset, search_term):
        # Every branch hits an index, so search stays fast with millions of customers.
        return selectors.customers_search(queryset=queryset, term=search_term), False

    def service_save(self, request, obj, form, change):
        return services.customer_save(
            customer=obj,
            actor=request.user,
            reason="edited in admin" if change else "added in admin",
        )

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, Address):
                # The service detaches the orders delivered there with history rows; a
                # plain delete lets the database null them without any.
                services.address_delete(address=obj, actor=request.user, reason="deleted in admin")
            else:
                obj._history_user = request.user
                obj.delete()
        for instance in instances:
            if isinstance(instance, Address):
                services.address_save(
                    address=instance, actor=request.user, reason="edited in admin"
                )
            else:
                instance._history_user = request.user
                instance.save()
        formset.save_m2m()


@admin.register(Order)
class OrderAdmin(PersonalDataAdminMixin, TrackedAdmin):  # 3.4: purchase history is personal
    list_display = ("number", "customer", "placed_at", "seller_name", "status", "total")
    list_filter = ("status",)
    search_fields = ("=number",)  # see get_search_results
    search_help_text = _("Order number, or the customer's exact email, phone or last name.")
    list_select_related = ("customer",)
    raw_id_fields = ("customer", "delivery_address")
    ordering = ("-placed_at", "-id")

    def get_search_results(self, request, queryset, search_term):
        # "=number" would be UPPER(number) = UPPER(...) on PostgreSQL: no index serves it.
        return selectors.orders_search(queryset=queryset, term=search_term), False


@admin.register(VisitEvent)
class VisitEventAdmin(ListRowsMixin, admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    list_display = ("occurred_at", "page_url", "ip_address", "referrer", "cookie_id")
    search_fields = ("=cookie_id",)  # see get_search_results
    search_help_text = _("Exact cookie id.")
    show_full_result_count = False
    ordering = ("-occurred_at", "-id")

    def get_search_results(self, request, queryset, search_term):
        # Cookie ids are matched as stored, through their index (not UPPER(...)).
        term = search_term.strip()
        return (queryset.filter(cookie_id=term) if term else queryset), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ClosureDecisionForm(forms.ModelForm):
    """Staff decide a 2.2 closure request: close the account, or refuse with a reason
    (``account_closure_decide`` says what it refuses)."""

    class Meta:
        model = AccountClosureRequest
        fields = ["status", "decision_note"]


@admin.register(AccountClosureRequest)
class AccountClosureRequestAdmin(ServiceAdmin, PersonalDataAdminMixin, TrackedAdmin):
    form = ClosureDecisionForm
    list_display = ("id", "customer", "status", "requested_at", "decided_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("=customer__email",)  # see get_search_results
    search_help_text = _("Exact email, phone (any format) or last name.")
    list_select_related = ("customer", "decided_by")
    ordering = ("-requested_at", "-id")
    date_hierarchy = "requested_at"
    readonly_fields = ("customer", "comment", "requested_at", "decided_at", "decided_by")
    fields = readonly_fields + ("status", "decision_note")

    def has_add_permission(self, request):
        # Requests come from the customers themselves (the account page).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        customers = selectors.customers_search(term=search_term)
        return queryset.filter(customer_id__in=customers.values("pk")), False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_open:
            # A decision is final; a new request starts a new row.
            return self.fields
        return self.readonly_fields

    def service_save(self, request, obj, form, change):
        return services.account_closure_decide(
            closure_request=obj,
            actor=request.user,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["decision_note"],
        )


from . import signin_admin  # noqa: E402,F401  (sign-in protection, issue 8 items 6-7)


class CustomerHoldForm(forms.ModelForm):
    class Meta:
        model = CustomerHold
        fields = ["customer", "reason"]


@admin.register(CustomerHold)
class CustomerHoldAdmin(ServiceAdmin, TrackedAdmin):
    """4.1: officers hold a customer's data against the retention rules, with a reason."""

    form = CustomerHoldForm
    list_display = ("id", "customer", "placed_at", "placed_by", "released_at")
    list_filter = (("released_at", admin.EmptyFieldListFilter),)
    list_select_related = ("customer", "placed_by")
    raw_id_fields = ("customer",)
    ordering = ("-placed_at", "-id")
    actions = ("release_holds",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("customer", "reason", "placed_at", "placed_by", "released_at", "released_by")
        return ()

    def has_change_permission(self, request, obj=None):
        # A hold is placed once; it ends by its release (the action), never by an edit.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def service_save(self, request, obj, form, change):
        return services.customer_hold_place(
            customer=form.cleaned_data["customer"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )

    def has_release_permission(self, request):
        return self.has_change_permission(request)

    @admin.action(description=_("Release the selected holds"), permissions=["release"])
    def release_holds(self, request, queryset):
        for hold in queryset.filter(released_at__isnull=True):
            services.customer_hold_release(hold=hold, actor=request.user)
