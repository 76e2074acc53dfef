export default function Greeting({ name }) {
  return <h1>Hello, {name}!</h1>;
}
