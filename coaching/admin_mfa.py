"""allauth's admin of the second factors, in Dutch: allauth's Authenticator has no verbose names
(its list said "Created at" and filtered "Op created at"), and its change page showed the
factor's secret data. Here: who, which kind, since when and when last used, to read; the admin
may delete a lost factor (its owner then sets up a new one)."""

from allauth.mfa import admin as allauth_admin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from coaching.dates import readable


class _Titled(admin.DateFieldListFilter):
    title_text = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = self.title_text


class AddedFilter(_Titled):
    title_text = _("toegevoegd op")


class LastUsedFilter(_Titled):
    title_text = _("laatst gebruikt op")


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(allauth_admin.AuthenticatorAdmin):
    list_display = ["account", "kind", "added", "last_used"]
    list_filter = [("created_at", AddedFilter), ("last_used_at", LastUsedFilter)]
    list_select_related = ["user"]
    fields = readonly_fields = ["account", "kind", "added", "last_used"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("account"), ordering="user")
    def account(self, authenticator):
        return authenticator.user

    @admin.display(description=_("soort"), ordering="type")
    def kind(self, authenticator):
        return authenticator.get_type_display()

    @admin.display(description=_("toegevoegd op"), ordering="created_at")
    def added(self, authenticator):
        return readable(authenticator.created_at, time=True)

    @admin.display(description=_("laatst gebruikt op"), ordering="last_used_at")
    def last_used(self, authenticator):
        return readable(authenticator.last_used_at, time=True) or "—"
