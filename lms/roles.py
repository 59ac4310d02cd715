"""Roles are Django groups. Each app declares what its roles may do in its AppConfig
(`role_permissions`), so an app added to INSTALLED_APPS brings its own grants."""

from django.utils.translation import gettext_lazy as _

PARTICIPANT = "participant"
EDITOR = "editor"
SPEAKER = "speaker"
EXPERT = "expert"
STAFF = "staff"

ROLES: dict[str, str] = {
    PARTICIPANT: _("Participant"),
    EDITOR: _("Content editor"),
    SPEAKER: _("Speaker"),
    EXPERT: _("Expert"),
    STAFF: _("Programme staff"),
}
