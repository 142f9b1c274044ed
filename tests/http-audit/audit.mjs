// Runs graphql-http's GraphQL-over-HTTP server audit against the URL given and prints one
// line per audit. Exits 1 when any audit is not ok (an error or a warning alike).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}
const results = await auditServer({ url });
for (const result of results) {
  const reason = result.status === 'ok' ? '' : ` — ${result.reason}`;
  console.log(`${result.status.padEnd(6)} ${result.id} ${result.name}${reason}`);
}
const failed = results.filter((result) => result.status !== 'ok');
console.log(`${results.length - failed.length} ok, ${failed.length} not ok`);
process.exit(failed.length === 0 ? 0 : 1);
