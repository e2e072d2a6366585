"""State changes of the coordination group: ``check_*`` (permission and validation, then write),
``access_*`` (one row the user may see), ``visible_*`` (the rows they may see)."""

from siaga.governance.actions.common import *  # noqa: F403
from siaga.governance.actions.exercises import *  # noqa: F403
from siaga.governance.actions.meetings import *  # noqa: F403
from siaga.governance.actions.members import *  # noqa: F403
from siaga.governance.actions.rota import *  # noqa: F403
