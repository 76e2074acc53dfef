// Shadowed by the first DIRS entry that has it.
