"""Admission runs, by step: a run started and executed by its task (`runs`), its snapshot computed
(`compute`) and stored with its hash (`store`), and the periodic sweep of stale runs and unsent
e-mails (`sweep`). The rest of the project imports them from here (`assessments.services.admission`);
what only the steps share (`admission_snapshot_write`, `admission_runs_stale_give_up`) stays in its
step's module."""

from assessments.services.admission.compute import ComputedRun, EvidenceRow, admission_outcomes_compute
from assessments.services.admission.runs import admission_run_execute, admission_run_start
from assessments.services.admission.sweep import admission_runs_sweep

__all__ = [
    "ComputedRun",
    "EvidenceRow",
    "admission_outcomes_compute",
    "admission_run_execute",
    "admission_run_start",
    "admission_runs_sweep",
]
