"""A discovery layer that is a package with a module that fails to import (DISC-1)."""
