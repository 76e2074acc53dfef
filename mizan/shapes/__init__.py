"""Shapes: typed projections of Django models, queried without N+1 and diffed by primary
key (the `shapes` extra, built on django-readers). See docs/shapes.md.

```python
from typing import Annotated

from django.db.models import Count
from mizan.shapes import Shape, Source


class BookShape(Shape[Book]):
    id: int
    title: str


class AuthorShape(Shape[Author]):
    id: int
    name: str
    books: list[BookShape]
    book_count: Annotated[int, Source(expression=Count("books"))]


AuthorShape.query(lambda qs: qs.order_by("name")[:20])  # two queries, whatever the rows
```
"""

from __future__ import annotations

from mizan.shapes.binding import ShapeError
from mizan.shapes.declaration import Shape, Source
from mizan.shapes.diff import ShapeDiff, StaleRowError

__all__ = ["Shape", "ShapeDiff", "ShapeError", "Source", "StaleRowError"]
