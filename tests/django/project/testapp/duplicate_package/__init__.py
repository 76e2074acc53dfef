"""A package layer whose two modules define a function under the same name (REG-3)."""
