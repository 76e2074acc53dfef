export default function Throws({ message }) {
  throw new Error(message);
}
