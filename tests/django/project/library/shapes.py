"""The Shapes the Shapes tests query, diff and serve (mizan.shapes)."""

from __future__ import annotations

from typing import Annotated

from django.db.models import Count

from mizan.shapes import Shape, Source
from tests.django.project.library.models import Author, Book, Profile, Publisher, Review, Tag


class AuthorFlat(Shape[Author]):
    """Depth 1: the author's own columns."""

    id: int
    name: str


class ReviewShape(Shape[Review]):
    id: int
    stars: int


class BookFlat(Shape[Book]):
    id: int
    title: str


class BookWithReviews(Shape[Book]):
    id: int
    title: str
    reviews: list[ReviewShape]


class AuthorWithBooks(Shape[Author]):
    """Depth 2: authors and their books."""

    id: int
    name: str
    books: list[BookFlat]


class AuthorDeep(Shape[Author]):
    """Depth 3: authors, their books, and the books' reviews."""

    id: int
    name: str
    books: list[BookWithReviews]


class PublisherShape(Shape[Publisher]):
    id: int
    name: str


class TagShape(Shape[Tag]):
    code: str
    label: str


class ProfileShape(Shape[Profile]):
    bio: str


class BookFull(Shape[Book]):
    """Every kind of source on a book: forward FK (nested and its key column), M2M,
    reverse FK, a path through a relation, a rename and a database expression."""

    id: int
    heading: Annotated[str, Source("title")]
    author_id: int
    writer: Annotated[str, Source("author__name")]
    publisher: PublisherShape | None
    tags: list[TagShape]
    reviews: list[ReviewShape]
    review_count: Annotated[int, Source(expression=Count("reviews"))]


class AuthorFull(Shape[Author]):
    """A reverse one-to-one, a renamed reverse FK, and the pk under another name."""

    key: Annotated[int, Source("pk")]
    name: str
    profile: ProfileShape | None
    works: Annotated[list[BookFull], Source("books")]


class BookEdit(Shape[Book]):
    """What a client edits: the writable columns of a book, and read-only extras."""

    id: int | None = None
    title: str
    pages: int = 0
    writer: Annotated[str | None, Source("author__name")] = None
    tags: list[TagShape] = []


class TagEdit(Shape[Tag]):
    """A natural (client-chosen) primary key."""

    code: str | None = None
    label: str
