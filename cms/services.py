from django.conf import settings
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from cms.models import HomePage

HOME_INTRO = "<p>Всероссийский проект, открывающий молодёжи путь на государственную службу.</p>"


@transaction.atomic
def site_root_ensure() -> HomePage:
    """The site's home page and default Site, created if missing. The data migration makes them
    on a new database; this serves a database whose tables were emptied since (a test flush, a
    restore), and `seed_demo`."""
    home = HomePage.objects.first()
    if home is None:
        locale, _ = Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        home = HomePage(title="ProКадры", slug="home", intro=HOME_INTRO, locale=locale)
        root.add_child(instance=home)
        home.save_revision().publish()
    if not Site.objects.filter(is_default_site=True, root_page=home).exists():
        Site.objects.filter(is_default_site=True).delete()
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="ProКадры")
    editor_permissions_ensure(home=home)
    return home


EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
EDITOR_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)


def editor_permissions_ensure(*, home: HomePage) -> None:
    """Editors and staff may edit and publish the whole site tree and use the media library."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

    collection = Collection.get_first_root_node()
    for name in ("editor", "staff"):
        group, _ = Group.objects.get_or_create(name=name)
        for codename in EDITOR_PAGE_PERMISSIONS:
            permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
            GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)
        if collection is not None:
            for app_label, codename in EDITOR_COLLECTION_PERMISSIONS:
                permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=collection, permission=permission
                )
