"""`app/clients/orders.py`: a module of the `clients` package, discovered like `clients.py`."""

from __future__ import annotations

from typing import Any

from mizan import client
from tests.django.project.shop.clients import ORDERS, shop_status  # imported: not registered again

SHOP_ORDERS = "shop_orders"
imported_status = shop_status


@client(context=SHOP_ORDERS)
def shop_orders(request: Any, customer_id: int) -> list[str]:
    return ORDERS.get(customer_id, [])


@client(affects=SHOP_ORDERS)
def place_shop_order(request: Any, customer_id: int, item: str) -> int:
    ORDERS.setdefault(customer_id, []).append(item)
    return len(ORDERS[customer_id])
