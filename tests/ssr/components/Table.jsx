// A 100-row table (the worker's throughput measurement renders it).
export default function Table({ rows }) {
  return (
    <table>
      <thead>
        <tr>
          <th>#</th>
          <th>name</th>
          <th>email</th>
          <th>score</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id}>
            <td>{row.id}</td>
            <td>{row.name}</td>
            <td>
              <a href={`mailto:${row.email}`}>{row.email}</a>
            </td>
            <td className={row.score > 50 ? "high" : "low"}>{row.score}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
