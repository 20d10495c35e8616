"""Demonstration scenes (`examsvc demo load`): a whole programme built through the domains'
services. Sits above every domain; nothing imports it but the CLI."""
