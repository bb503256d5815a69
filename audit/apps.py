from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit log: who opened, exported, changed or erased a client's data, and every login,
    failed login and denied access (DESIGN.md §7). It depends on coaching, which hears of it only
    through the hooks registered below; the apps above call `audit.log.record`."""

    name = "audit"
    verbose_name = _("Logboek")

    def ready(self) -> None:
        from allauth.mfa.signals import authentication_failed
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from audit import log
        from coaching import adapters, admin_base

        user_logged_in.connect(log.login_succeeded, dispatch_uid="audit_login")
        user_logged_out.connect(log.logged_out, dispatch_uid="audit_logout")
        user_login_failed.connect(log.login_failed, dispatch_uid="audit_login_failed")
        authentication_failed.connect(log.second_factor_failed, dispatch_uid="audit_mfa_failed")
        # The core's hooks (it does not import the log): logins refused by the rate limits, and
        # the admin's pages of a client's data.
        if log.login_blocked not in adapters.LOGIN_BLOCKED:
            adapters.LOGIN_BLOCKED.append(log.login_blocked)
        admin_base.ADMIN_RECORDER = log.record
