// Suspends in three ways; renderToString alone would send fallbacks (or throw).
import { Suspense, lazy, use } from "react";

const Later = lazy(() => new Promise((resolve) => setTimeout(() => resolve({ default: () => <u>lazy part</u> }), 5)));

function Data({ promise }) {
  return <b>{use(promise)}</b>;
}

function Broken() {
  throw new Error("broken inside a boundary");
}

export default function Waits({ mode }) {
  const promise = new Promise((resolve) => setTimeout(() => resolve("shell data"), 5));
  if (mode === "shell") return <Data promise={promise} />; // suspends with no boundary above
  if (mode === "lazy") {
    return (
      <Suspense fallback={<i>loading</i>}>
        <Later />
      </Suspense>
    );
  }
  return (
    <div>
      <Suspense fallback={<i>fallback</i>}>
        <Broken />
      </Suspense>
    </div>
  );
}
