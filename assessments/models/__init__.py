from assessments.models.admission import (
    AdmissionDecision,
    AdmissionPolicy,
    AdmissionRun,
    Decision,
    DecisionOverride,
    ExpertAssignment,
    RunStatus,
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
    "Question",
    "QuestionBank",
    "QuestionKind",
    "Quiz",
    "RunStatus",
]
