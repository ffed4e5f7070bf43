"""Every model of the core, imported here so the metadata (and Alembic) sees them all."""
from stomi_app.models.geo import Hospital, Municipality, Region  # noqa: F401
from stomi_app.models.users import FailedLogins, RecoveryCode, Role, TwoFactorPolicy, User  # noqa: F401
from stomi_app.models.citizen import Citizen, StomaType  # noqa: F401
from stomi_app.models.sessions import LoginSession  # noqa: F401
from stomi_app.models.audit import AuditEvent  # noqa: F401
from stomi_app.models.clinical import CutShape, CuttingMeasure  # noqa: F401,E402
from stomi_app.models.grants import CaseNote, Grant, GrantChange, GrantLine, GrantPeriod, GrantStatus, OrderRules  # noqa: F401,E402
from stomi_app.models.orders import (  # noqa: F401,E402
    DeliveryProblem, DeliveryProblemKind, ProblemStatus, Order, OrderChannel, OrderEvent, OrderEventReason, OrderLine, OrderStatus,
    RoutingReason,
)
from stomi_app.models.nursing import (  # noqa: F401,E402
    AdviceMessage, AdviceQuestion, AdviceStatus, ClinicalNote, DischargeProposal, DischargeRecommendation, GrantRecommendation,
    NoteKind, ProductChangeRequest, ProposalStatus, RecommendationKind, RecommendationLine, RecommendationStatus, RequestStatus,
    TaskClaim, TaskKind,
)
from stomi_app.models.statistics import StatisticsReport  # noqa: F401,E402
from stomi_app.models.saml import SamlAssertion, SamlRequest  # noqa: F401,E402
from stomi_app.models.api_clients import API_SCOPES, ApiClient, ApiIdempotentAnswer, ApiToken  # noqa: F401,E402
from stomi_app.models.jobs import JobRun, JobRunStatus  # noqa: F401,E402
from stomi_app.models.consent import CitizenConsent, ConsentPurpose  # noqa: F401,E402
