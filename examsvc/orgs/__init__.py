"""Organisations (the bureau, counties, institutions, employers) and suspensions. Imports audit/ and below."""
