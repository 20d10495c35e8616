"""The administrator's pages: users and organisations. Imports auth/ and below."""
