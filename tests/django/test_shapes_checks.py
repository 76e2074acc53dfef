"""Shape declaration mistakes are system-check errors at startup (mizan.E015..E018), not
errors at the first request; declaring a Shape never touches its model (SHAPE-1a)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core import checks
from django.core.exceptions import AppRegistryNotReady

from mizan.checks import check_shapes
from mizan.shapes import Shape, ShapeError, Source, registry
from tests.django.project.library.models import Author, Book, Publisher
from tests.django.project.library.shapes import BookFlat, PublisherShape
from tests.django.test_check_command import _check, _project

pytestmark = [pytest.mark.capability("django-readers Shapes", "django"), pytest.mark.usefixtures("forget_new_shapes")]


def ids(messages: list[checks.CheckMessage]) -> list[tuple[str | None, str]]:
    return [(message.id, message.msg) for message in messages]


def test_the_test_projects_shapes_pass_the_check() -> None:
    assert check_shapes(None) == []
    assert [m for m in checks.run_checks(tags=["mizan"]) if m.id and m.id.startswith("mizan.E01")] == []


def test_e015_bound_to_something_that_is_not_a_model() -> None:
    class NotAModel(Shape[int]):  # type: ignore[type-var]
        value: int

    assert ids(check_shapes(None)) == [
        ("mizan.E015", f"{NotAModel.__qualname__} is declared as Shape['int'], which is not a concrete Django model")
    ]


def test_e016_a_field_the_model_does_not_have_is_reported_not_raised() -> None:
    class Typo(Shape[Author]):
        id: int
        nmae: str

    (message,) = check_shapes(None)
    assert (message.id, message.obj) == ("mizan.E016", Typo)
    assert message.msg == f"{Typo.__qualname__}.nmae: Author has no field 'nmae'"
    assert "Fields of Author: books, born, email, id, name, profile." in (message.hint or "")
    assert [m.msg for m in checks.run_checks(tags=["mizan"]) if m.id == "mizan.E016"] == [message.msg]
    with pytest.raises(ShapeError, match="Author has no field 'nmae'"):
        Typo.query()


def test_e016_a_relation_annotated_as_a_value_and_a_path_through_a_to_many_relation() -> None:
    class Wrong(Shape[Book]):
        author: int
        tag_label: Annotated[str, Source("tags__label")]
        missing: Annotated[str, Source("author__nickname")]

    assert ids(check_shapes(None)) == [
        ("mizan.E016", f"{Wrong.__qualname__}.author: Book.author is a relation, not a value"),
        (
            "mizan.E016",
            f"{Wrong.__qualname__}.tag_label: Book.tags in 'tags__label' is not a foreign key or one-to-one",
        ),
        ("mizan.E016", f"{Wrong.__qualname__}.missing: Author has no field 'nickname'"),
    ]
    assert check_shapes(None)[0].hint == "Project its key as 'author_id', or nest a Shape."


def test_e017_a_nested_shape_of_an_unrelated_model() -> None:
    class Mismatch(Shape[Author]):
        books: list[PublisherShape]

    assert ids(check_shapes(None)) == [
        (
            "mizan.E017",
            f"{Mismatch.__qualname__}.books nests PublisherShape (a Shape of Publisher), but Author.books relates "
            "to Book",
        )
    ]


def test_e017_cardinality_and_non_relations() -> None:
    class Cardinality(Shape[Author]):
        books: BookFlat
        name: BookFlat | None

    class Many(Shape[Book]):
        publisher: list[PublisherShape]

    assert ids(check_shapes(None)) == [
        ("mizan.E017", f"{Cardinality.__qualname__}.books: Author.books is a to-many relation"),
        ("mizan.E017", f"{Cardinality.__qualname__}.name nests BookFlat, but Author.name is not a relation"),
        ("mizan.E017", f"{Many.__qualname__}.publisher: Book.publisher is a to-one relation"),
    ]


def test_e017_shapes_that_nest_each_other_and_unsupported_containers() -> None:
    class BookLoop(Shape[Book]):
        id: int
        author: AuthorLoop

    class AuthorLoop(Shape[Author]):
        id: int
        books: list[BookLoop]

    BookLoop.model_rebuild()

    class Mapping(Shape[Publisher]):
        books: dict[str, BookFlat]

    assert ids(check_shapes(None)) == [
        ("mizan.E017", f"{BookLoop.__qualname__} nests itself (BookLoop -> AuthorLoop -> BookLoop)"),
        ("mizan.E017", f"{AuthorLoop.__qualname__} nests itself (AuthorLoop -> BookLoop -> AuthorLoop)"),
        (
            "mizan.E017",
            f"{Mapping.__qualname__}.books nests a Shape in a type Shapes cannot project "
            f"(dict[str, {BookFlat.__module__}.BookFlat])",
        ),
    ]
    with pytest.raises(ShapeError, match="nests itself"):
        AuthorLoop.query()


def test_e018_shapes_without_django_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "django_readers", None)
    (message,) = check_shapes(None)
    assert (message.id, message.hint) == ("mizan.E018", "pip install 'mizan[shapes]'")


def test_declaring_a_shape_does_not_need_the_models_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Shape can be declared while the app registry is still loading (in a models module):
    nothing is resolved until it is checked or queried."""
    monkeypatch.setattr(apps, "models_ready", False)

    class Early(Shape[User]):
        username: str
        nowhere: str

    with pytest.raises(AppRegistryNotReady):
        Early.query()
    monkeypatch.setattr(apps, "models_ready", True)
    assert ids(check_shapes(None)) == [("mizan.E016", f"{Early.__qualname__}.nowhere: User has no field 'nowhere'")]


def test_a_forward_reference_that_never_resolves_is_reported() -> None:
    class Dangling(Shape[Author]):
        books: list[NeverDeclared]  # type: ignore[name-defined]  # noqa: F821

    assert ids(check_shapes(None)) == [("mizan.E016", f"{Dangling.__qualname__} has annotations that do not resolve")]


def test_source_takes_a_path_or_an_expression() -> None:
    with pytest.raises(TypeError, match="exactly one"):
        Source()
    with pytest.raises(TypeError, match="non-empty string"):
        Source("")


def test_an_unbound_shape_is_a_base_and_is_not_checked() -> None:
    """`class Base(Shape)` binds no model: a base for other Shapes, absent from the check,
    and refused if queried."""

    class Base(Shape):  # type: ignore[type-arg]
        id: int

    assert Base not in registry.declared() and check_shapes(None) == []
    with pytest.raises(ShapeError, match="not a concrete Django model"):
        Base.query()


BROKEN_CLIENTS = """
from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User

from mizan import client
from mizan.shapes import Shape


class GroupShape(Shape[Group]):
    name: str


class UserShape(Shape[User]):
    username: str
    nickname: str
    groups: GroupShape


@client
def me(request: Any) -> list[UserShape]:
    return UserShape.query(lambda qs: qs.filter(pk=request.user.pk))
"""


def test_manage_py_check_fails_at_startup_on_a_broken_shape(tmp_path: Path) -> None:
    """A fresh project whose clients.py declares a broken Shape: `python -m django check`
    exits 1 naming both mistakes, before any request."""
    done = _check(_project(tmp_path, ["mizan"], ["mizan.urls"], BROKEN_CLIENTS))
    assert done.returncode == 1, done.stderr
    flat = " ".join(done.stderr.split())
    assert "(mizan.E016) UserShape.nickname: User has no field 'nickname'" in flat
    assert (
        "(mizan.E017) UserShape.groups: User.groups is a to-many relation HINT: Annotate it as list[GroupShape]."
        in flat
    )
