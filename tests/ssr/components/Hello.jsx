import { useId, useState } from "react";
import Greeting from "./parts/Greeting.jsx";

export default function Hello({ name, note }) {
  const [count] = useState(3);
  const id = useId();
  return (
    <main>
      <Greeting name={name} />
      <label htmlFor={id}>count {count}</label>
      <p id={id}>{note}</p>
    </main>
  );
}
