"""One sealed paper per class: blueprints, assembly, variants, PDFs. Imports classes/ and below."""
