"""Management commands of the Mizan Django app."""
