"""Shapes: projections of Django models queried without N+1 (SHAPE-1, SHAPE-1a, SHAPE-2), on
a real database, with the queries counted by Django's `CaptureQueriesContext`."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mizan.shapes import Shape, Source
from tests.django.project.library.models import Author, Book, Profile, Publisher, Review, Tag
from tests.django.project.library.shapes import (
    AuthorDeep,
    AuthorFlat,
    AuthorFull,
    AuthorWithBooks,
    BookFull,
)

pytestmark = [pytest.mark.capability("django-readers Shapes", "django"), pytest.mark.django_db]

BOOKS_PER_AUTHOR = 2
REVIEWS_PER_BOOK = 2


def make_library(authors: int) -> None:
    """`authors` authors with two books each and two reviews per book (bulk inserts)."""
    Author.objects.bulk_create(Author(name=f"author {i:04d}") for i in range(authors))
    made = list(Author.objects.order_by("id"))
    Book.objects.bulk_create(
        Book(author=author, title=f"{author.name} book {j}", pages=10 * j)
        for author in made
        for j in range(BOOKS_PER_AUTHOR)
    )
    Review.objects.bulk_create(
        Review(book=book, stars=k + 1) for book in Book.objects.order_by("id") for k in range(REVIEWS_PER_BOOK)
    )


def counted(shape: type[Shape[Any]], transform: Any = None) -> tuple[list[Any], int]:
    with CaptureQueriesContext(connection) as queries:
        rows = shape.query(transform)
    return rows, len(queries.captured_queries)


@pytest.mark.parametrize("rows", [1, 10, 1000])
@pytest.mark.parametrize(("shape", "depth"), [(AuthorFlat, 1), (AuthorWithBooks, 2), (AuthorDeep, 3)])
def test_shape2_queries_depend_on_depth_never_on_rows(shape: type[Shape[Any]], depth: int, rows: int) -> None:
    """One query per level of nesting, for 1, 10 and 1,000 authors alike."""
    make_library(rows)
    result, queries = counted(shape)
    assert queries == depth
    assert len(result) == rows and all(isinstance(item, shape) for item in result)
    if depth >= 2:
        assert sum(len(item.books) for item in result) == rows * BOOKS_PER_AUTHOR
    if depth == 3:
        reviews = [review.stars for item in result for book in item.books for review in book.reviews]
        assert len(reviews) == rows * BOOKS_PER_AUTHOR * REVIEWS_PER_BOOK and set(reviews) == {1, 2}


def test_shape2_projection_selects_only_the_declared_columns() -> None:
    make_library(3)
    with CaptureQueriesContext(connection) as queries:
        AuthorWithBooks.query()
    authors, books = (query["sql"] for query in queries.captured_queries)
    assert '"library_author"."email"' not in authors and '"library_author"."born"' not in authors
    assert '"library_book"."pages"' not in books and '"library_book"."publisher_id"' not in books


def test_shape2_values_match_the_database() -> None:
    make_library(2)
    first = AuthorDeep.query(lambda qs: qs.order_by("id"))[0]
    author = Author.objects.order_by("id")[0]
    assert (first.id, first.name) == (author.pk, author.name)
    books = {book.title: sorted(r.stars for r in book.reviews) for book in first.books}
    assert books == {f"{author.name} book {j}": [1, 2] for j in range(BOOKS_PER_AUTHOR)}


def test_shape2_transform_orders_and_slices() -> None:
    make_library(10)
    rows, queries = counted(AuthorWithBooks, lambda qs: qs.order_by("-name")[2:5])
    assert [row.name for row in rows] == ["author 0007", "author 0006", "author 0005"]
    assert queries == 2
    assert all(len(row.books) == BOOKS_PER_AUTHOR for row in rows)


def test_shape2_transform_filters_and_an_empty_result_costs_one_query() -> None:
    make_library(5)
    rows, _ = counted(AuthorFlat, lambda qs: qs.filter(name__in=["author 0001", "author 0003"]).order_by("name"))
    assert [row.name for row in rows] == ["author 0001", "author 0003"]
    empty, queries = counted(AuthorDeep, lambda qs: qs.filter(name="nobody"))
    assert (empty, queries) == ([], 1)


def test_shape2_transform_must_return_a_queryset() -> None:
    with pytest.raises(TypeError, match="must return a queryset"):
        AuthorFlat.query(lambda qs: list(qs))


def test_shape1_every_relation_kind_and_source() -> None:
    """Forward FK (nested, and as its key column), M2M, reverse FK (renamed), reverse
    one-to-one, a path through a relation, a rename, an expression, the pk aliased: one
    query per relation, whatever the rows."""
    publisher = Publisher.objects.create(name="Faber")
    fiction, poetry = Tag.objects.create(code="fiction", label="Fiction"), Tag.objects.create(code="poetry", label="P")
    for i in range(4):
        author = Author.objects.create(name=f"writer {i}")
        if i % 2:
            Profile.objects.create(author=author, bio=f"bio {i}")
        for j in range(3):
            book = Book.objects.create(author=author, title=f"w{i} b{j}", publisher=publisher if j else None)
            book.tags.add(fiction, *([poetry] if j == 2 else []))
            for k in range(j):
                Review.objects.create(book=book, stars=k + 3)
    rows, queries = counted(AuthorFull, lambda qs: qs.order_by("name"))
    # authors, profile, books (with the author joined and the review count), publisher, tags, reviews
    assert queries == 6
    assert [row.profile.bio if row.profile else None for row in rows] == [None, "bio 1", None, "bio 3"]
    first = rows[0]
    author = Author.objects.get(name="writer 0")
    assert first.key == author.pk
    works = sorted(first.works, key=lambda book: book.heading)
    assert [book.heading for book in works] == ["w0 b0", "w0 b1", "w0 b2"]
    assert {book.writer for book in works} == {"writer 0"} and {book.author_id for book in works} == {author.pk}
    assert [book.publisher.name if book.publisher else None for book in works] == [None, "Faber", "Faber"]
    assert [sorted(tag.code for tag in book.tags) for book in works] == [
        ["fiction"],
        ["fiction"],
        ["fiction", "poetry"],
    ]
    assert [book.review_count for book in works] == [0, 1, 2]
    assert [sorted(review.stars for review in book.reviews) for book in works] == [[], [3], [3, 4]]
    assert first.model_dump()["works"][0].keys() == BookFull.model_fields.keys()


def test_shape2_query_returns_ordinary_pydantic_models() -> None:
    make_library(1)
    (row,) = AuthorWithBooks.query()
    again = AuthorWithBooks.model_validate_json(row.model_dump_json())
    assert again == row and again.books[0].title == "author 0000 book 0"


class AuthorBio(Shape[Author]):
    name: str
    bio: Annotated[str | None, Source("profile__bio")]


class ReviewContext(Shape[Review]):
    stars: int
    writer: Annotated[str, Source("book__author__name")]
    imprint: Annotated[str | None, Source("book__publisher__name")]


def test_shape1_paths_through_to_one_relations_are_joined_in_one_query() -> None:
    """A reverse one-to-one, two forward hops, and a null foreign key on the way: one
    query, and None where a link is empty."""
    ann = Author.objects.create(name="ann")
    Author.objects.create(name="bob")
    Profile.objects.create(author=ann, bio="hello")
    faber = Publisher.objects.create(name="Faber")
    for publisher in (faber, None):
        Review.objects.create(book=Book.objects.create(author=ann, title="t", publisher=publisher), stars=4)
    authors, queries = counted(AuthorBio, lambda qs: qs.order_by("name"))
    assert ([(a.name, a.bio) for a in authors], queries) == ([("ann", "hello"), ("bob", None)], 1)
    reviews, queries = counted(ReviewContext, lambda qs: qs.order_by("id"))
    assert ([(r.writer, r.imprint) for r in reviews], queries) == ([("ann", "Faber"), ("ann", None)], 1)
