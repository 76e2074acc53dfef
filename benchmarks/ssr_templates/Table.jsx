// The `ssr` benchmark's component: a customer table of `rows` (benchmarks/_ssr_site.py makes
// 100). table.html and table.jinja render the same markup with Django's and Jinja2's engines.
export default function Table({ rows }) {
  return (
    <table className="customers">
      <thead>
        <tr>
          <th>Name</th>
          <th>Email</th>
          <th>Company</th>
          <th>City</th>
          <th>Balance</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id} data-id={row.id} className={row.active ? "active" : "inactive"}>
            <td>
              <a href={`/customers/${row.id}/`}>{row.name}</a>
            </td>
            <td>
              <a href={`mailto:${row.email}`}>{row.email}</a>
            </td>
            <td>{row.company}</td>
            <td>{row.city}</td>
            <td className="amount">{row.balance}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
