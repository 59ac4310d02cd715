"""Roles are Django groups. Each app declares what its roles may do in its AppConfig
(`role_permissions`), so an app added to INSTALLED_APPS brings its own grants."""

from django.utils.translation import gettext_lazy as _

PARTICIPANT = "participant"
EDITOR = "editor"
SPEAKER = "speaker"
EXPERT = "expert"
STAFF = "staff"
# A person who represents a host body (a ROIV, a FOIV, a state corporation): they see and manage only
# their own body's data (lms/hosts/).
HOST = "host"

ROLES: dict[str, str] = {
    PARTICIPANT: _("Participant"),
    EDITOR: _("Content editor"),
    SPEAKER: _("Speaker"),
    EXPERT: _("Expert"),
    STAFF: _("Programme staff"),
    HOST: _("Host body representative"),
}

# The programme's ordinary roles: programme staff give and take these (through
# lms.services.user_role_change, which audits it). The staff role itself, superuser status and
# individual permissions are a superuser's to give.
ORDINARY_ROLES: tuple[str, ...] = (PARTICIPANT, EDITOR, SPEAKER, EXPERT, HOST)
