"""Core services under every domain: database, configuration, migrations runner, message ids, PDF,
crypto, key files, metrics and national code standards. Imports nothing else of examsvc, not even web/."""
