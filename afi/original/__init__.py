"""The original product (`django-izana` 1.1.0 on `izana-core` 0.3.0) running the AFI fixture,
so Mizan's wire behaviour can be compared with it (PROTOCOL, "Precedence")."""
