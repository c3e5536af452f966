// Benchmarks of the stand-in's performance targets (issue: "starts in under 1 s with the small
// data set"; "--data large serves a >= 50 MB org-unit list in under 5 s"). Timing belongs here,
// not in the unit tests, so that a busy machine cannot make the suite flaky.
// Usage: npm run bench --prefix tests/dhis2-standin   (exits 1 when a median misses its target)
import { startServer } from './test/helpers.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];

// 1. Start-up to the ready line, small data set.
const starts = [];
for (let i = 0; i < 7; i++) {
  const s = await startServer([]);
  starts.push(s.startMs);
  await s.stop();
}
results.push({ what: 'start-up to ready line (small data)', runs: starts, target: 1000 });

// 2. The large org-unit list, streamed to the end.
const s = await startServer(['--data', 'large'], { timeoutMs: 60000 });
const admin = s.fixtures.users.admin;
const auth = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
const lists = [];
let bytes = 0;
try {
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = await fetch(`${s.url}/api/organisationUnits?paging=false&fields=id,name,path,level,parent[id]`, {
      headers: { authorization: auth },
    });
    bytes = 0;
    for await (const c of r.body) bytes += c.length;
    lists.push(Math.round(performance.now() - t0));
  }
} finally {
  await s.stop();
}
results.push({ what: `large org-unit list (${(bytes / 1048576).toFixed(1)} MB)`, runs: lists, target: 5000 });

let failed = false;
for (const r of results) {
  const m = median(r.runs);
  const ok = m < r.target;
  failed ||= !ok;
  console.log(`${ok ? 'ok  ' : 'SLOW'} ${r.what}: median ${m} ms (target < ${r.target} ms; runs ${r.runs.join(', ')})`);
}
if (bytes < 50 * 1048576) {
  console.log(`FAIL the large list is only ${bytes} bytes (target >= 50 MB)`);
  failed = true;
}
process.exit(failed ? 1 : 0);
