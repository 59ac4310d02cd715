"""The personal cabinet is assembled from panels that the apps register in their AppConfig.ready(),
so the core knows nothing of courses, live sessions or scores, and an app added to INSTALLED_APPS
brings its own section."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest

from lms.models import Participant


@dataclass(frozen=True)
class CabinetPanel:
    key: str
    title: str
    template: str
    context: Callable[[HttpRequest, Participant], dict]
    order: int = 100


@dataclass(frozen=True)
class StaffTool:
    key: str
    title: str
    url: Callable[[], str]
    description: str = ""
    order: int = 100
    roles: tuple[str, ...] = field(default=("staff",))


_panels: dict[str, CabinetPanel] = {}
_staff_tools: dict[str, StaffTool] = {}


def cabinet_panel_register(panel: CabinetPanel) -> None:
    _panels[panel.key] = panel


def cabinet_panels() -> list[CabinetPanel]:
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.key))


def staff_tool_register(tool: StaffTool) -> None:
    _staff_tools[tool.key] = tool


def staff_tools(*, roles: set[str]) -> list[StaffTool]:
    return sorted(
        (tool for tool in _staff_tools.values() if roles.intersection(tool.roles)),
        key=lambda tool: (tool.order, tool.key),
    )
