"""Mizan's WebSocket endpoint and channels across live server processes (PROTOCOL WS-9,
CHAN-5, CHAN-6): two servers per adapter on loopback, a real redis-server between them, and
real WebSocket and HTTP clients."""
