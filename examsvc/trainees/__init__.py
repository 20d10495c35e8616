"""Trainees: real-name identity, sealed personal data, the officer's record page. Imports auth/ and below."""
