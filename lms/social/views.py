"""The connections page: allauth's view, with what our template shows of each connection."""

from allauth.socialaccount.views import ConnectionsView as AllauthConnectionsView
from django.urls import reverse

from lms.social.endpoints import provider_ids_on, provider_name


class ConnectionsView(AllauthConnectionsView):
    """A person's connected provider accounts (each disconnected by allauth's form, which refuses
    the last way in of an account without a password) and the providers they may still connect.
    Names come from the registry, not from a provider's app, so a connection to a provider turned
    off since is still listed, and can be removed."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        accounts = list(context["form"].accounts.order_by("provider", "date_joined"))
        context["connections"] = [
            {"account": account, "provider": provider_name(account.provider), "profile": _profile(account.extra_data)}
            for account in accounts
        ]
        connected = {account.provider for account in accounts}
        context["connectable"] = [
            {"id": provider_id, "name": provider_name(provider_id), "login_url": reverse(f"{provider_id}_login")}
            for provider_id in provider_ids_on()
            if provider_id not in connected
        ]
        return context


def _profile(extra_data) -> str:
    """The name and the address the provider sent, as the person would recognise the account."""
    if not isinstance(extra_data, dict):
        return ""
    name = " ".join(str(extra_data[key]) for key in ("first_name", "last_name") if extra_data.get(key))
    email = extra_data.get("email") or extra_data.get("default_email") or ""
    return ", ".join(part for part in (name, str(email)) if part)


connections = ConnectionsView.as_view()
