"""Oversight records: restrictive measures and their days, flags, discipline, custody cases
(deaths, serious injuries, torture allegations), complaints and independent monitoring."""

from .cases import CaseKind, CaseStatus, CustodyCase, ImplicatedStaff  # noqa: F401
from .complaints import (  # noqa: F401
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    Confidentiality,
)
from .discipline import (  # noqa: F401
    Appeal,
    AppealOutcome,
    ChargeStatus,
    DisciplinaryCharge,
    Hearing,
    HearingFinding,
    Sanction,
    SanctionKind,
)
from .flags import Flag, FlagSeverity  # noqa: F401
from .measures import (  # noqa: F401
    DailyRecord,
    MeasureKind,
    MeasureReview,
    RestrictiveMeasure,
    ReviewOutcome,
)
from .monitoring import (  # noqa: F401
    BodyKind,
    FindingArea,
    MonitoringBody,
    MonitoringFinding,
    MonitoringVisit,
    MonitorMembership,
    Recommendation,
    RecommendationStatus,
    RecommendationUpdate,
    ResponseKind,
    VisitStatus,
)
