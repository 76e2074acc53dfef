// Rendered by the packaged worker in tests/ssr/test_real_worker.py.
export default function Greeting({ name, items }) {
  return (
    <section>
      <h1>Hello, {name}!</h1>
      <ul>
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    </section>
  );
}
