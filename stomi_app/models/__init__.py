"""Every model of the core, imported here so the metadata (and Alembic) sees them all."""
from stomi_app.models.geo import Municipality, Region  # noqa: F401
from stomi_app.models.users import Role, User  # noqa: F401
from stomi_app.models.citizen import Citizen, StomaType  # noqa: F401
from stomi_app.models.audit import AuditEvent  # noqa: F401
