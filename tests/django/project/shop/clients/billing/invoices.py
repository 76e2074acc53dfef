"""`app/clients/billing/invoices.py`: two levels down, still discovered."""

from __future__ import annotations

from typing import Any

from mizan import client
from tests.django.project.shop.clients import ORDERS


@client(context="shop_orders")
def shop_invoice_total(request: Any, customer_id: int) -> int:
    return len(ORDERS.get(customer_id, []))
