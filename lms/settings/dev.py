from .base import *  # noqa: F403
from .base import MFA_ROLES_NONE, env_bool, env_roles

DEBUG = env_bool("DEBUG", True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Offered to everyone, required of nobody: a newcomer logs in as every role with the demo password.
# MFA_REQUIRED_FOR_ROLES=staff,expert tries the requirement out.
MFA_REQUIRED_FOR_ROLES = env_roles("MFA_REQUIRED_FOR_ROLES", MFA_ROLES_NONE)
