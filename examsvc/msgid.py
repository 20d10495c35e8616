"""N_ marks a message for translation where it is raised; the view translates it where it is shown.

It has no dependencies so that pure modules (crypto, rules) can use it too.
"""


def N_(message: str) -> str:
    return message
