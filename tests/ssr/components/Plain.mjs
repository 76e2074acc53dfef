// No JSX: a plain ES module calling createElement.
import { createElement } from "react";

export default function Plain({ text }) {
  return createElement("p", { className: "plain" }, text);
}
