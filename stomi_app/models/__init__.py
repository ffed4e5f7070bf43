"""The platform's own models: places, the two kinds of account (staff and citizen), sessions, audit, SAML, API clients
and job runs; each domain package owns its models, and the app factory imports them all (`register_models`)."""
from stomi_app.models.geo import Hospital, Municipality, Region  # noqa: F401
from stomi_app.models.users import FailedLogins, RecoveryCode, Role, TwoFactorPolicy, User  # noqa: F401
from stomi_app.models.citizen import Citizen, StomaType  # noqa: F401
from stomi_app.models.sessions import LoginSession  # noqa: F401
from stomi_app.models.audit import AuditEvent  # noqa: F401
from stomi_app.models.saml import SamlAssertion, SamlRequest  # noqa: F401
from stomi_app.models.api_clients import API_SCOPES, ApiClient, ApiIdempotentAnswer, ApiToken  # noqa: F401
from stomi_app.models.jobs import JobRun, JobRunStatus  # noqa: F401
