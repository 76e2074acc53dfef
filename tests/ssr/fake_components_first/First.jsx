// Found first: DIRS order wins (SSR-2).
