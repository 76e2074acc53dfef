"""Typed clients generated from the IR file: `python -m mizan.codegen api.kdl -o api.ts`
(docs/codegen.md). Needs the `codegen` extra (`ckdl`, the KDL 2.0 parser)."""
