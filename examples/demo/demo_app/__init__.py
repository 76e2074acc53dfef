"""The demo app: its server functions live in clients.py, found by Mizan's autodiscovery."""
