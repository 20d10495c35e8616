"""The officers' view over the programme: coverage, institutions, files, payment basis, the audit
trail's pages and signed checkpoints. Imports certificates/ and below."""
