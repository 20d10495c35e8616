"""The audit trail: one hash-chained entry per change, written by every domain in the same
transaction. The lowest domain: imports core/ and web/ only (its pages live in oversight/)."""
