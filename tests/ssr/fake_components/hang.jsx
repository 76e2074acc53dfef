// A component file for the fake worker: only its name matters (tests/ssr/fake_worker.py).
