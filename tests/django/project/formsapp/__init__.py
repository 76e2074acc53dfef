"""An app whose `clients` module defines a `MizanFormMixin` form (FORM-1): installed only by
settings_formsapp.py, so the main test project's start-up registry is unchanged."""
