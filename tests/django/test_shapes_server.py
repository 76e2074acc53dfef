"""Shapes in server functions (SHAPE-3, SHAPE-4): a Shape is an ordinary model in signatures,
the IR, the canonical writer and the origin cache; a mutation that applies a diff emits
its invalidation when it commits and leaves nothing behind when it fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from mizan import client
from mizan.core import cache, registry
from mizan.core.ir import build_ir
from mizan.shapes.diff import TAKEN_PK
from tests.django.conftest import MizanClient, assert_internal, assert_validation, canonical
from tests.django.project.library.models import Author, Book, Tag
from tests.django.project.library.shapes import AuthorWithBooks, BookEdit, TagEdit
from tests.django.test_check_command import ROOT, _project

pytestmark = pytest.mark.capability("django-readers Shapes", "django")

SECRET = "shapes-origin-cache-secret-0123456789ab"


@client
def shape_authors(request: Any, limit: int = 10) -> list[AuthorWithBooks]:
    return AuthorWithBooks.query(lambda qs: qs.order_by("name")[:limit])


@client(context="shape_library")
def library_authors(request: Any) -> list[AuthorWithBooks]:
    return AuthorWithBooks.query(lambda qs: qs.order_by("name"))


@client(affects="shape_library")
def save_books(request: Any, author_id: int, books: list[BookEdit]) -> list[BookEdit]:
    author = Author.objects.get(pk=author_id)
    return BookEdit.apply(author.books.all(), books, create_defaults={"author": author}).added


@client(affects="shape_library")
def save_books_then_fail(request: Any, author_id: int, books: list[BookEdit]) -> None:
    author = Author.objects.get(pk=author_id)
    BookEdit.apply(author.books.all(), books, create_defaults={"author": author})
    raise RuntimeError("the rest of the mutation failed")


@client(affects="shape_library")
def save_my_tags(request: Any, tags: list[TagEdit]) -> None:
    TagEdit.apply(Tag.objects.filter(label__startswith="mine"), tags)


FUNCTIONS = {
    "shape_authors": shape_authors,
    "library_authors": library_authors,
    "save_books": save_books,
    "save_books_then_fail": save_books_then_fail,
    "save_my_tags": save_my_tags,
}


@pytest.fixture
def served(transactional_db: None) -> Iterator[dict[str, Any]]:
    """The functions registered, the origin cache on (in memory), and a small library."""
    for name, fn_class in FUNCTIONS.items():
        registry.register(fn_class, name)
    cache.reset_cache()
    ann, bob = Author.objects.create(name="ann"), Author.objects.create(name="bob")
    first = Book.objects.create(author=ann, title="first")
    Book.objects.create(author=bob, title="second")
    with override_settings(MIZAN_CACHE_SECRET=SECRET, MIZAN_CACHE_REDIS_URL="memory://"):
        yield {"ann": ann, "bob": bob, "first": first}
    cache.reset_cache()


def library(served: dict[str, Any]) -> list[dict[str, Any]]:
    """The expected projection, written independently of the Shape."""
    return [
        {"id": author.pk, "name": author.name, "books": [{"id": b.pk, "title": b.title} for b in author.books.all()]}
        for author in Author.objects.order_by("name")
    ]


def test_shape3_call_returns_shapes_through_the_canonical_writer(served: dict[str, Any], mizan: MizanClient) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = mizan.call("shape_authors", {"limit": 1})
    assert (response.status_code, response.content) == (200, canonical({"result": library(served)[:1]}))
    assert len([q for q in queries.captured_queries if "library_" in q["sql"]]) == 2


def test_shape3_context_is_served_and_cached_like_any_model(served: dict[str, Any], mizan: MizanClient) -> None:
    first = mizan.ctx("shape_library")
    expected = canonical({"library_authors": library(served)})
    assert (first.status_code, first.content, first["X-Mizan-Cache"]) == (200, expected, "MISS")
    hit = mizan.ctx("shape_library")
    assert (hit.content, hit["X-Mizan-Cache"]) == (expected, "HIT")


def test_shape3_shapes_are_structs_in_the_ir(served: dict[str, Any]) -> None:
    registry.clear_registry()
    registry.register(shape_authors, "shape_authors")
    registry.register(library_authors, "library_authors")
    registry.register(save_books, "save_books")
    ir = build_ir()
    assert 'type "AuthorWithBooks"' in ir and 'type "BookFlat"' in ir and 'type "BookEdit"' in ir
    assert 'type "TagShape"' in ir
    assert 'field "books" {\n            list {\n                ref "BookFlat"' in ir
    assert "Shape[" not in ir and "Source" not in ir


def test_shape4_mutation_applies_and_invalidates_on_commit(served: dict[str, Any], mizan: MizanClient) -> None:
    ann, first = served["ann"], served["first"]
    mizan.ctx("shape_library")
    books = [{"id": first.pk, "title": "first, revised"}, {"title": "third", "pages": 3}]
    response = mizan.call("save_books", {"author_id": ann.pk, "books": books})
    assert response.status_code == 200 and response["X-Mizan-Invalidate"] == "shape_library"
    (created,) = json.loads(response.content)["result"]
    assert created["title"] == "third" and created["id"] == Book.objects.get(title="third").pk
    assert sorted(ann.books.values_list("title", flat=True)) == ["first, revised", "third"]
    fresh = mizan.ctx("shape_library")
    assert (fresh["X-Mizan-Cache"], fresh.content) == ("MISS", canonical({"library_authors": library(served)}))


def test_shape4_a_failing_mutation_writes_nothing(served: dict[str, Any], mizan: MizanClient, monkeypatch: Any) -> None:
    """With ATOMIC_REQUESTS the mutation's failure after apply undoes apply's writes; the
    cache keeps the data it had, and no invalidation goes out."""
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    ann = served["ann"]
    before = mizan.ctx("shape_library").content
    response = mizan.call("save_books_then_fail", {"author_id": ann.pk, "books": [{"title": "ghost"}]})
    assert_internal(response)
    assert "X-Mizan-Invalidate" not in response
    assert list(ann.books.values_list("title", flat=True)) == ["first"]
    hit = mizan.ctx("shape_library")
    assert (hit["X-Mizan-Cache"], hit.content) == ("HIT", before)


def test_shape4_duplicate_keys_are_a_validation_error(served: dict[str, Any], mizan: MizanClient) -> None:
    ann, first = served["ann"], served["first"]
    books = [{"id": first.pk, "title": "one"}, {"id": first.pk, "title": "two"}]
    response = mizan.call("save_books", {"author_id": ann.pk, "books": books})
    assert_validation(response, {"1.id": ["Duplicate primary key"]})
    assert list(ann.books.values_list("title", flat=True)) == ["first"]


def test_shape4_a_natural_key_of_another_row_is_a_validation_error(served: dict[str, Any], mizan: MizanClient) -> None:
    """Sending the slug of a row outside the queryset answers 422 at that item, and neither
    that row nor the caller's (which the same apply would have deleted) changes."""
    Tag.objects.create(code="theirs", label="Theirs")
    Tag.objects.create(code="m1", label="mine 1")
    response = mizan.call("save_my_tags", {"tags": [{"code": "theirs", "label": "mine now"}]})
    assert_validation(response, {"0.code": [TAKEN_PK]})
    assert response.get("X-Mizan-Invalidate") is None
    assert sorted(Tag.objects.values_list("code", "label")) == [("m1", "mine 1"), ("theirs", "Theirs")]


def test_shape3_invalid_input_is_refused_before_the_function(served: dict[str, Any], mizan: MizanClient) -> None:
    response = mizan.call("save_books", {"author_id": served["ann"].pk, "books": [{"pages": 1}]})
    assert_validation(response, {"books.0.title": ["Field required"]})


SHAPED_CLIENTS = """
from __future__ import annotations

from typing import Annotated, Any

from django.contrib.auth.models import Group, User

from mizan import client
from mizan.shapes import Shape, Source


class GroupShape(Shape[Group]):
    name: str


class UserShape(Shape[User]):
    id: int
    login: Annotated[str, Source("username")]
    groups: list[GroupShape]


@client
def me(request: Any) -> list[UserShape]:
    return UserShape.query(lambda qs: qs.filter(pk=request.user.pk))
"""


def test_shape3_export_mizan_ir_writes_shapes_as_structs(tmp_path: Path) -> None:
    """`python -m django export_mizan_ir` on a fresh project whose clients.py returns Shapes."""
    project = _project(tmp_path, ["mizan"], ["mizan.urls"], SHAPED_CLIENTS)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fresh_settings", "PYTHONPATH": f"{project}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-m", "django", "export_mizan_ir"], cwd=project, env=env, capture_output=True, text=True
    )
    assert (done.returncode, done.stderr) == (0, "")
    user = done.stdout[done.stdout.index('type "UserShape"') :]
    user = user[: user.index("\n}\n") + 3]
    assert " ".join(user.split()) == (
        'type "UserShape" { struct { field "id" { primitive "integer" } field "login" { primitive "string" } '
        'field "groups" { list { ref "GroupShape" } } } }'
    )
