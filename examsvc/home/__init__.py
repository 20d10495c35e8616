"""Each role's home page. Imports any domain below it."""
