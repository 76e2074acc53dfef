"""What benchmarks.ctx measures: the fetches, and the statement of every row.

A statement is the text both timed (wall) and counted (callgrind) in a namespace built by
`benchmarks.ctx.namespace()`; `{b}` is the cache the row runs on (MEMORY or REDIS). Row
names are `group|name` in the callgrind plans: `core` (Mizan without Django), `django`
(WSGIHandler), `python` (the plain-Python alternatives), `parts` (the C HIT step by step).
"""

from __future__ import annotations

from collections.abc import Mapping

# The query strings fetched: strings, as a URL gives them (BND-2).
QUERIES: dict[str, dict[str, str]] = {
    "profile": {"user_id": "5"},
    "search": {
        "q": "lamp",
        "category": "garden",
        "brand": "acme",
        "color": "green",
        "size": "m",
        "material": "steel",
        "pattern": "plain",
        "season": "summer",
        "seller": "s-12",
        "region": "eu",
        "language": "en",
        "currency": "EUR",
        "sort": "price",
        "min_price": "10",
        "max_price": "90",
        "rating": "4",
        "page": "2",
        "per_page": "20",
        "in_stock": "true",
        "on_sale": "false",
    },
    "shop": {"category": "garden"},
}
CORE = {
    "key: derive_cache_key": "derive_cache_key(SECRET, 'profile', KEY_PARAMS['profile'], None, 0)",
    "HIT: key + lookup + response": "hit_core({b}, 'profile')",
    "HIT, 20 params: key + lookup + response": "hit_core({b}, 'search')",
    "HIT: whole fetch pipeline": "core_fetch('profile', QUERIES['profile'])",
    "MISS: whole fetch pipeline": "core_fetch('profile', fresh_query())",
    "HIT, 20 params: whole fetch pipeline": "core_fetch('search', QUERIES['search'])",
    "3-query HIT: whole fetch pipeline": "core_fetch('shop', QUERIES['shop'])",
    "3-query MISS: whole fetch pipeline": "{b}.delete(KEYS['shop']); core_fetch('shop', QUERIES['shop'])",
    # A key of its own (a copy of the `shop` entry, EVICTED): deleting the HIT entry here
    # left it cold for the next 3-query HIT batch (one MISS in it) and, when the rotation ran
    # this row after the last 3-query MISS, missing at the end of the rounds.
    "eviction before a 3-query MISS: delete": "{b}.delete(EVICTED)",
}
EDGE_HIT = "HIT through the edge (mizan.edge.wrap_wsgi)"
PLAIN_VIEW = "plain csrf_exempt view answering the stored bytes"
DJANGO = {
    "HIT": "django_fetch(ENVIRON['profile'])",
    EDGE_HIT: "edge_fetch(ENVIRON['profile'])",
    "HIT, 20 params, through the edge": "edge_fetch(ENVIRON['search'])",
    PLAIN_VIEW: "django_fetch(ENVIRON['plain'])",
    "MISS": "django_fetch(fresh_environ())",
    "HIT, 20 params": "django_fetch(ENVIRON['search'])",
    "3-query HIT": "django_fetch(ENVIRON['shop'])",
    "3-query MISS": "{b}.delete(KEYS['shop']); django_fetch(ENVIRON['shop'])",
}
# Plain Python, independent of Mizan's backend: measured in the C process only.
PYTHON = {
    "Python equivalent HIT: same work (keys, stamp, lock)": (
        "python_hit(STORE.get_many, 'profile', KEY_PARAMS['profile'])"
    ),
    "Python equivalent HIT, 20 params: same work": "python_hit(STORE.get_many, 'search', KEY_PARAMS['search'])",
    "Python minimal HIT: one hmac key + dict.get": "python_minimal(MINIMAL, 'profile', KEY_PARAMS['profile'])",
    "hand-written cached view through Django": "django_fetch(ENVIRON['handwritten'])",
}
# The C HIT (`HIT: key + lookup + response`) taken apart, instructions only: what each step
# costs on its own; the rest of the row is cache.lookup's Python glue.
PARTS = {
    "generation key, remembered (user_id)": "cache._generation_key(SECRET, 'profile', 'user_id', 5)",
    "get_many: entry + 2 generation keys": "MEMORY.get_many(LOOKUP_KEYS)",
    "stamp: cache._stamp": "cache._stamp(['user_id'], [None, None])",
    "Lookup(...): a named tuple": "cache.Lookup(KEYS['profile'], HIT_BODY, STAMP)",
    "response: executor._cached_response": "_cached_response(HIT_BODY, 'HIT')",
}
# Wall time only, on Redis; `RedisCache GET` is one round trip through Mizan's client.
REDIS = {
    "RedisCache GET": "REDIS.get(KEYS['profile'])",
    "HIT: key + lookup + response": "hit_core(REDIS, 'profile')",
    "HIT: whole fetch pipeline": "core_fetch('profile', QUERIES['profile'])",
    "MISS: whole fetch pipeline": "core_fetch('profile', fresh_query())",
    "HIT, 20 params: whole fetch pipeline": "core_fetch('search', QUERIES['search'])",
    "Django HIT": "django_fetch(ENVIRON['profile'])",
    "Django MISS": "django_fetch(fresh_environ())",
}
REDIS_PY = {
    "redis-py GET": "REDIS_PY.get(PHYSICAL_KEY)",
    "redis-py same HIT work": "python_hit(redis_py_get_many, 'profile', KEY_PARAMS['profile'])",
}
GET_ROWS = ("RedisCache GET", "redis-py GET")  # a bare GET of the stored entry
FLOOR = "redis-benchmark GET (-c 1 -P 1)"
# Ops per callgrind interval, per row: fixed, so every run counts the same ops after the same
# heap history and repeats its Ir exactly. Callgrind is exact, so a few ops suffice; each row
# is sized to about 10-30 M Ir (4n ops are run), which keeps the children short. The twins
# run a quarter as many (they cost 1-7x more).
CALLGRIND_OPS = {
    "core|key: derive_cache_key": 200,
    "core|HIT: key + lookup + response": 100,
    "core|HIT, 20 params: key + lookup + response": 20,
    "core|HIT: whole fetch pipeline": 100,
    "core|MISS: whole fetch pipeline": 50,
    "core|HIT, 20 params: whole fetch pipeline": 20,
    "core|3-query HIT: whole fetch pipeline": 100,
    "core|3-query MISS: whole fetch pipeline": 3,
    "core|eviction before a 3-query MISS: delete": 200,
    "django|HIT": 20,
    f"django|{EDGE_HIT}": 100,
    "django|HIT, 20 params, through the edge": 20,
    f"django|{PLAIN_VIEW}": 20,
    "django|MISS": 20,
    "django|HIT, 20 params": 10,
    "django|3-query HIT": 20,
    "django|3-query MISS": 3,
    "python|Python equivalent HIT: same work (keys, stamp, lock)": 50,
    "python|Python equivalent HIT, 20 params: same work": 10,
    "python|Python minimal HIT: one hmac key + dict.get": 100,
    "python|hand-written cached view through Django": 20,
}
CALLGRIND_OPS_PARTS = 200


def statements(rows: Mapping[str, str], backend: str) -> dict[str, str]:
    """The rows' statements on `backend` (MEMORY or REDIS)."""
    return {name: text.format(b=backend) for name, text in rows.items()}
