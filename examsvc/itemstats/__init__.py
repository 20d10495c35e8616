"""Item statistics: pure math (measures.py, flags.py; standard library only), the service and pages."""
