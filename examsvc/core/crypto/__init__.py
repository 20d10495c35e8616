"""Pure cryptographic helpers: no Flask, no SQLAlchemy. Keys are always arguments."""
