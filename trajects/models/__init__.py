"""Individual trajects, their life cycle and their dossier."""

from trajects.models.agreement import AgreementAcceptance, AgreementText
from trajects.models.dossier import DossierEntry, DossierEntryVersion, IntakeVersion
from trajects.models.evaluations import Answer, Evaluation, Question, Questionnaire
from trajects.models.messages import Message
from trajects.models.traject import Traject, TrajectEvent

__all__ = [
    "AgreementAcceptance",
    "AgreementText",
    "Answer",
    "Evaluation",
    "Question",
    "Questionnaire",
    "DossierEntry",
    "DossierEntryVersion",
    "IntakeVersion",
    "Message",
    "Traject",
    "TrajectEvent",
]
