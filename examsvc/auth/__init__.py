"""Users, roles, sign-in, TOTP and login sessions. Imports orgs/, audit/ and below."""
