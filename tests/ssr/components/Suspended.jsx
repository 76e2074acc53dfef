// Waits for data inside a Suspense boundary: the reply must hold the data, not the fallback.
import { Suspense, use } from "react";

function Data({ promise }) {
  return <b>{use(promise)}</b>;
}

export default function Suspended({ value }) {
  const promise = new Promise((resolve) => setTimeout(() => resolve(value), 10));
  return (
    <div>
      <Suspense fallback={<i>loading</i>}>
        <Data promise={promise} />
      </Suspense>
    </div>
  );
}
