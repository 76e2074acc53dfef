"""A models-only app for the forms tests (ModelForm instances, per-user querysets): it has
no `clients` module, so the registry at start-up is unchanged."""
