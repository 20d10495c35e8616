"""Signed certificates with QR codes, revocation, retraining hours, public and bulk verification.
Imports exams/ and below; follows results through exams.signals."""
