"""The municipality's decisions as letters to the citizen: grants, and orders decided beyond the grant."""
