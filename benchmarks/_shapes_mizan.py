"""Mizan's Shape row of benchmarks.shapes: the author list as Shapes (SHAPE-1a, SHAPE-2).

Imported (and registered) by `benchmarks._shapes_app.configure()` only when `mizan.shapes`
and django-readers are importable: the rest of the group runs without them.
"""

from __future__ import annotations

from django.http import HttpRequest

from benchmarks._shapes_app import Author, Book, Publisher
from mizan import client
from mizan.shapes import Shape


class PublisherShape(Shape[Publisher]):
    id: int
    name: str
    country: str


class BookShape(Shape[Book]):
    id: int
    title: str
    year: int
    pages: int
    publisher: PublisherShape


class AuthorShape(Shape[Author]):
    id: int
    name: str
    email: str
    born: int
    books: list[BookShape]


@client
def authors_shapes(request: HttpRequest) -> list[AuthorShape]:
    """Every author with their books and each book's publisher, in one projection."""
    return AuthorShape.query()
