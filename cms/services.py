import io

from django.conf import settings
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from cms.models import HomePage

HOME_INTRO = "<p>Всероссийский проект, открывающий молодёжи путь на государственную службу.</p>"


# What a newcomer needs to read first, in the programme's words (shared/DOMAIN.md); editors change
# it in Wagtail. The season's dates and the contacts are blocks that read their own records.
HOME_BODY = [
    {
        "type": "levels",
        "value": {
            "heading": "Три уровня участия",
            "levels": [
                {
                    "name": "Начинающие",
                    "who": "Нет опыта государственной или муниципальной службы, учитесь не по направлению "
                    "«Государственное и муниципальное управление».",
                    "path": "Вводный курс; стажировка в органах власти своего региона (РОИВ).",
                },
                {
                    "name": "Молодые",
                    "who": "Изучаете государственное управление или у вас есть опыт в молодёжных и общественных "
                    "организациях, собственные проекты, стажировки в органах власти, участие в молодёжном "
                    "правительстве.",
                    "path": "Вводный курс; стажировка в региональных (РОИВ) или федеральных (ФОИВ) органах.",
                },
                {
                    "name": "PRO",
                    "who": "Уже работаете на государственной или муниципальной службе и имеете профильное образование.",
                    "path": "Продвинутый курс о работе в ФОИВ; стажировки в ФОИВ и в РОИВ других регионов.",
                },
            ],
        },
    },
    {"type": "season_timeline", "value": None},
    {
        "type": "steps",
        "value": {
            "heading": "Как подать заявку",
            "steps": [
                {
                    "title": "Проверьте условия",
                    "text": "Участвовать могут граждане России в возрасте от 18 до 35 лет.",
                },
                {
                    "title": "Заполните анкету",
                    "text": "Расскажите об образовании и опыте и выберите, где хотите пройти стажировку "
                    "(РОИВ или ФОИВ), — уровень участия определится по анкете.",
                },
                {
                    "title": "Учитесь в личном кабинете",
                    "text": "Смотрите записанные вебинары до их сроков и участвуйте в прямых трансляциях: "
                    "к собеседованию допускают по полноте прохождения курсов.",
                },
                {
                    "title": "Пройдите собеседование и стажировку",
                    "text": "Эксперты проводят собеседования онлайн или на очных встречах в федеральных "
                    "округах; затем — стажировка в органах власти.",
                },
            ],
        },
    },
    {"type": "contacts", "value": None},
]


def home_page_content_ensure(**_signal) -> None:
    """Give a home page with an empty body the programme's explanation (the demo's, and a site
    whose page was made before the page had these blocks); a written body is never touched."""
    home = HomePage.objects.first()
    if home is None or len(home.body):
        return
    home.body = HOME_BODY
    home.save_revision().publish()


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
        home = HomePage(title="ProКадры", slug="home", intro=HOME_INTRO, locale=locale, body=HOME_BODY)
        root.add_child(instance=home)
        home.save_revision().publish()
    if not Site.objects.filter(is_default_site=True, root_page=home).exists():
        Site.objects.filter(is_default_site=True).delete()
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="ProКадры")
    editor_permissions_ensure(home=home)
    return home


# Editors write and submit; staff approve and publish (the moderation workflow below).
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "lock_page", "unlock_page")
STAFF_PAGE_PERMISSIONS = (*EDITOR_PAGE_PERMISSIONS, "publish_page")
EDITOR_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)
MODERATION_WORKFLOW = "Утверждение сотрудниками программы"
MODERATION_TASK = "Утверждение сотрудниками программы"


def editor_permissions_ensure(*, home: HomePage) -> None:
    """Editors and staff may edit the whole site tree and use the media library; only staff publish.
    A database made before moderation loses the editors' publish permission here (this runs after
    every migrate)."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

    collection = Collection.get_first_root_node()
    for name, codenames in (("editor", EDITOR_PAGE_PERMISSIONS), ("staff", STAFF_PAGE_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        for codename in codenames:
            permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
            GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)
        if collection is not None:
            for app_label, codename in EDITOR_COLLECTION_PERMISSIONS:
                permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=collection, permission=permission
                )
    GroupPagePermission.objects.filter(group__name="editor", permission__codename="publish_page").delete()
    moderation_workflow_ensure(home=home)


def moderation_workflow_ensure(*, home: HomePage) -> None:
    """Every page under the home page (the course index, its courses and lectures) goes through one
    approval by the staff group: an editor's "publish" becomes "submit for moderation". Assigned to
    the home page rather than the course index because editors may publish nothing anywhere, and
    the site knows no course pages; a workflow staff chose for the home page in Wagtail is kept."""
    from django.contrib.auth.models import Group
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

    if WorkflowPage.objects.filter(page=home).exists():
        return
    workflow, created = Workflow.objects.get_or_create(name=MODERATION_WORKFLOW, defaults={"active": True})
    if created:
        task = GroupApprovalTask.objects.create(name=MODERATION_TASK)
        task.groups.set([Group.objects.get(name="staff")])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=home)


def pages_publish_scheduled() -> None:
    """Publish the pages (and snippets) whose approved go-live time has come and unpublish the
    expired ones: Wagtail's own `publish_scheduled`, so the rules stay Wagtail's. A rerun finds
    nothing left to do, since each publication clears its schedule."""
    from django.core.management import call_command

    call_command("publish_scheduled", stdout=io.StringIO())
