"""Sittings, proctors, check-in, answer sheets, grading, retakes and publication. Imports papers/ and below;
announces published and corrected results through exams.signals."""
