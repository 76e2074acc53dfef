// A TypeScript component: types are stripped by the worker's esbuild step.
import { useState, type ReactNode } from "react";

import { plural } from "./parts/format";

interface Item {
  label: string;
  qty: number;
}

interface CardProps {
  title: string;
  items: Item[];
  footer?: ReactNode;
}

function Row({ item }: { item: Item }): ReactNode {
  return (
    <li>
      {item.label} x{item.qty}
    </li>
  );
}

export function Card({ title, items }: CardProps) {
  const [open] = useState<boolean>(true);
  const total: number = items.reduce((sum, item) => sum + item.qty, 0);
  return (
    <section data-open={open}>
      <h2>{title}</h2>
      <ul>
        {items.map((item) => (
          <Row key={item.label} item={item} />
        ))}
      </ul>
      <p>{plural(total, "piece")}</p>
    </section>
  );
}
