"""The Shape base class (SHAPE-1, SHAPE-1a): a Pydantic model bound to a Django model.

    class AuthorShape(Shape[Author]):
        id: int
        name: str
        books: list[BookShape]
        contact: Annotated[str, Source("profile__bio")]

Declaring a Shape touches nothing of the Django model: the fields are resolved against it
when the Shape is first queried or checked (`mizan.shapes.binding`), so a Shape may name a
model whose relations are not loaded yet, or a Shape declared further down the module.
Mistakes are reported by the system check, at startup (mizan.E015..E018).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from mizan.shapes import registry

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from mizan.shapes.binding import Plan
    from mizan.shapes.diff import ShapeDiff

M = TypeVar("M")
S = TypeVar("S", bound="Shape[Any]")


@dataclass(frozen=True)
class Source:
    """Where a Shape field's value comes from, when it is not the model field of its name.

    `path`: a Django lookup path, `"title"` (a rename), `"author_id"` (a foreign key's
    column), `"author__name"` (through foreign keys and one-to-ones, joined in the same
    query; None where a link is empty) or the name of a relation a nested Shape projects (`"book_set"`).
    `expression`: a Django query expression computed by the database in the same query
    (`Count("books")`, `F("pages") * 2`, `Lower("name")`).

    Give exactly one. Only a plain column of the Shape's own model is written by
    `Shape.apply`; paths through relations and expressions are read-only.

    Example:
        `email: Annotated[str, Source("profile__contact")]`,
        `book_count: Annotated[int, Source(expression=Count("books"))]`.
    """

    path: str | None = None
    expression: Any = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.expression is None):
            raise TypeError("Source() takes a lookup path or expression=, exactly one of them")
        if self.path is not None and (not isinstance(self.path, str) or not self.path):
            raise TypeError(f"Source path must be a non-empty string, not {self.path!r}")


def bound_model(cls: type[Any]) -> Any:
    """The Django model `cls` is declared over (`Shape[Model]` in its bases), or None."""
    for base in cls.__mro__:
        metadata = getattr(base, "__pydantic_generic_metadata__", None) or {}
        if metadata.get("origin") is Shape and metadata.get("args"):
            return metadata["args"][0]
    return None


class Shape(BaseModel, Generic[M]):
    """A Pydantic model whose fields are a projection of a Django model.

    Subclass `Shape[Model]` and annotate the fields: a scalar field is the model field of
    the same name, a field annotated with another Shape (`BookShape`, `list[BookShape]`,
    `BookShape | None`) is the relation of that name, projected by that Shape, and
    `Annotated[..., Source(...)]` says where any other value comes from. Everywhere else
    (signatures, the IR, serialisation) a Shape is an ordinary Pydantic model.
    """

    __shape_model__: ClassVar[Any] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.__pydantic_generic_metadata__.get("origin") is not None:
            return  # `Shape[Author]` itself: the base users subclass, not a Shape
        model = bound_model(cls)
        if model is not None:
            cls.__shape_model__ = model
            registry.declare(cls)

    @classmethod
    def plan(cls) -> Plan:
        """The fields resolved against the model (raises `ShapeError` on a mistake)."""
        from mizan.shapes.binding import plan_of

        return plan_of(cls)

    @classmethod
    def query(cls: type[S], transform: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None) -> list[S]:
        """The model's rows as validated Shapes (SHAPE-2).

        The default queryset is prepared for the projection (only the projected columns,
        one prefetch query per nested relation), then `transform` filters, orders or
        slices it. The number of queries depends on the Shape's nesting, never on the
        number of rows.

        Args:
            transform: a function of the queryset returning a queryset, e.g.
                `lambda qs: qs.filter(active=True).order_by("name")[:20]`.

        Returns:
            One validated instance per row, in the queryset's order.
        """
        from mizan.shapes.projection import run_query

        return run_query(cls, transform)

    @classmethod
    def diff(cls: type[S], queryset: QuerySet[Any], incoming: Iterable[S | Mapping[str, Any]]) -> ShapeDiff[S]:
        """Compare `incoming` with the rows of `queryset` by primary key (SHAPE-4).

        Returns:
            `(added, modified, deleted)`: incoming Shapes without a primary key or with one
            the queryset does not hold; incoming Shapes whose row's writable fields differ;
            the current Shapes of rows `incoming` does not mention.

        Raises:
            mizan.core.errors.ValidationError: an item is invalid, or two items carry the
                same primary key (a 422 inside a server function).
        """
        from mizan.shapes.diff import compute_diff

        return compute_diff(cls, queryset, incoming)

    @classmethod
    def apply(
        cls: type[S],
        queryset: QuerySet[Any],
        incoming: Iterable[S | Mapping[str, Any]],
        *,
        create_defaults: Mapping[str, Any] | None = None,
    ) -> ShapeDiff[S]:
        """Make the rows of `queryset` match `incoming`, in one transaction (SHAPE-4).

        Args:
            queryset: the rows `incoming` replaces (e.g. `author.books.all()`).
            incoming: the wanted rows, as Shapes or as dicts validated into the Shape.
            create_defaults: model field values for created rows that the Shape does not
                carry, typically the parent (`{"author": author}`).

        Returns:
            The diff that was applied; `added` holds the created rows with their new keys.
        """
        from mizan.shapes.diff import apply_diff

        return apply_diff(cls, queryset, incoming, create_defaults or {})
