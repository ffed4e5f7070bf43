"""Authentication and roles: staff by e-mail and password, citizens through an identity provider."""
