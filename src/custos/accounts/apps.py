from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "custos.accounts"
    label = "accounts"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from . import checks, signals  # noqa: F401  (checks: registers the deploy checks)

        uid = "custos.accounts.audit"
        user_logged_in.connect(signals.logged_in, dispatch_uid=uid)
        user_logged_out.connect(signals.logged_out, dispatch_uid=uid)
        user_login_failed.connect(signals.login_failed, dispatch_uid=uid)
        user_locked_out.connect(signals.locked_out, dispatch_uid=uid)
