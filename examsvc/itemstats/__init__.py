"""Item analysis of graded sittings and the flags it raises: pure math, imports nothing of examsvc."""
