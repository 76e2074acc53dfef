"""Micro-benchmark of MWT/JWT handling (PROTOCOL §5.3, §5.4) against bare PyJWT.

`python -m benchmarks.tokens` times `verify_mwt` (a token's first use, and again, when the
configuration remembers it) and `authenticate_mwt` on a valid MWT,
`mint_mwt`, `verify_jwt` on an access token, and `permission_key` over 20 permissions, next
to a bare `jwt.decode(token, secret, algorithms=["HS256"], audience=...)` of the same MWT:
what PyJWT alone costs, so Mizan's overhead shows as a ratio. `permission_key` goes through
`encode_json`, so each backend (C extension, pure twins) runs in its own subprocess.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from benchmarks._results import Results, Table
from benchmarks._timing import micros, per_call, ratio, run_worker

SECRET = "benchmark-mwt-secret-of-at-least-32-bytes"
PERMISSIONS = [f"app{i % 4}.{verb}_model{i}" for i, verb in enumerate(["add", "change", "delete", "view"] * 5)]
STEPS = [
    "verify_mwt, first use",
    "verify_mwt, again",
    "authenticate_mwt",
    "mint_mwt",
    "verify_jwt (access)",
    "permission_key (20)",
]
BASELINE = "jwt.decode (PyJWT alone)"


def _worker(repeat: int) -> dict[str, Any]:
    import jwt

    from mizan.core import _backend, tokens

    config = tokens.MWTConfig(secret=SECRET)
    jwt_config = tokens.JWTConfig(secret=SECRET)
    pkey = tokens.permission_key(PERMISSIONS, True, False)
    token = tokens.mint_mwt(config, "42", pkey=pkey, is_staff=True, is_superuser=False)
    access = tokens.mint_jwt_pair(jwt_config, "42", "session-key", is_staff=True, is_superuser=False)["access_token"]

    user = tokens.authenticate_mwt(token, config)
    if user is None or user.pk != 42 or user.pkey != pkey or len(PERMISSIONS) != 20:
        raise SystemExit(f"benchmarks.tokens: the MWT did not verify as expected ({user!r})")
    if tokens.verify_jwt(jwt_config, access, "access").session_key != "session-key":
        raise SystemExit("benchmarks.tokens: the access JWT did not verify")

    steps = {
        BASELINE: lambda: jwt.decode(token, SECRET, algorithms=["HS256"], audience=config.audience),
        # A configuration remembers the tokens it accepted: a fresh one each call measures
        # the whole verification (and the configuration's construction, ~1 us).
        "verify_mwt, first use": lambda: tokens.verify_mwt(tokens.MWTConfig(secret=SECRET), token),
        "verify_mwt, again": lambda: tokens.verify_mwt(config, token),
        "authenticate_mwt": lambda: tokens.authenticate_mwt(token, config),
        "mint_mwt": lambda: tokens.mint_mwt(config, "42", pkey=pkey, is_staff=True, is_superuser=False),
        "verify_jwt (access)": lambda: tokens.verify_jwt(jwt_config, access, "access"),
        "permission_key (20)": lambda: tokens.permission_key(PERMISSIONS, True, False),
    }
    times = {name: per_call(step, repeat) for name, step in steps.items()}
    return {"backend": _backend.BACKEND, "pkey": pkey, "times": times}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing repeats; the best is kept (default 5)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        print(json.dumps(_worker(options.repeat)))
        return
    c = run_worker("benchmarks.tokens", False, options.repeat)
    py = run_worker("benchmarks.tokens", True, options.repeat)
    if (c["backend"], py["backend"]) != ("c", "py") or c["pkey"] != py["pkey"]:
        raise SystemExit(f"benchmarks.tokens: backends disagree ({c['backend']}/{py['backend']}, pkey)")
    ct, pt = c["times"], py["times"]
    rows = [[BASELINE, micros(ct[BASELINE]), micros(pt[BASELINE]), ratio(pt[BASELINE], ct[BASELINE]), "1.00x"]]
    for name in STEPS:
        vs_pyjwt = ratio(ct[name], ct[BASELINE]) if name != "permission_key (20)" else ""
        rows.append([name, micros(ct[name]), micros(pt[name]), ratio(pt[name], ct[name]), vs_pyjwt])
    Results(
        group="core",
        module="tokens",
        title="MWT/JWT handling against PyJWT alone",
        method=(
            f"One valid HS256 token, 20 permissions; best of {options.repeat} timeit repeats, microseconds per "
            "call, each backend in its own process. verify_mwt, authenticate_mwt (verify_mwt_claims: C, or "
            "PyJWT behind the strict reading) and permission_key go through the backend; the other pure/C "
            "ratios show timing noise."
        ),
        tables=[
            Table(
                "MWT/JWT steps; PyJWT's own decode as the baseline",
                ["step", "C (us)", "pure (us)", "pure/C", "C / PyJWT"],
                rows,
            )
        ],
    ).emit()


if __name__ == "__main__":
    main()
