// Not reached: an earlier DIRS entry has First.jsx.
