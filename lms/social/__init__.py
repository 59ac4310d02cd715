"""Sign-in with VK ID and Yandex ID: django-allauth's social accounts, made ours.

- `vk/` and `yandex/` are tiny apps whose providers subclass allauth's, reading their endpoint URLs
  from SOCIALACCOUNT_PROVIDERS (`endpoints.ProviderEndpoint`), so tests run the whole OAuth 2.0
  exchange against a fake provider on the loopback;
- `endpoints` says which providers are on (client id and secret set) and wraps their views so the
  routes of a provider that is off answer 404;
- `adapter.SocialAccountAdapter` holds the security rules: no login by a provider's e-mail, no
  provider's "verified" flag believed, usernames our own, the login lockout respected;
- `privacy` is the part of a person's data export and erasure that the connections are.
"""
