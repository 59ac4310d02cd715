from assessments.models.admission import (
    AdmissionDecision,
    AdmissionPolicy,
    AdmissionRun,
    Decision,
    DecisionOverride,
    ExpertAssignment,
    RunStatus,
)
from assessments.models.interviews import (
    Interview,
    InterviewPlan,
    InterviewSheet,
    InterviewSlot,
    InterviewStatus,
    OfflineMeeting,
)
from assessments.models.quizzes import Answer, Attempt, Question, QuestionBank, QuestionKind, Quiz

__all__ = [
    "AdmissionDecision",
    "AdmissionPolicy",
    "AdmissionRun",
    "Answer",
    "Attempt",
    "Decision",
    "DecisionOverride",
    "ExpertAssignment",
    "Interview",
    "InterviewPlan",
    "InterviewSheet",
    "InterviewSlot",
    "InterviewStatus",
    "OfflineMeeting",
    "Question",
    "QuestionBank",
    "QuestionKind",
    "Quiz",
    "RunStatus",
]
