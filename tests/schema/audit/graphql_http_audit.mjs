// The graphql-http package's server audits against one endpoint; prints JSON results.
// usage: node graphql_http_audit.mjs URL HEADER_NAME HEADER_VALUE
import { serverAudits } from 'graphql-http';

const [url, name, value] = process.argv.slice(2);
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  headers.set(name, value);
  return fetch(input, { ...init, headers });
};
const results = [];
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  results.push({ id: audit.id, name: audit.name, status: result.status, reason: result.reason });
}
console.log(JSON.stringify(results));
