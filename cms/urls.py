from django.urls import re_path
from wagtail import urls as wagtail_urls

from cms import views

# Wagtail's front-end patterns, its serve view replaced by ours (which calls it): the same name, so
# Wagtail's page URLs reverse to it.
urlpatterns = [pattern for pattern in wagtail_urls.urlpatterns if getattr(pattern, "name", None) != "wagtail_serve"]
urlpatterns.append(re_path(wagtail_urls.serve_pattern, views.page_serve, name="wagtail_serve"))
