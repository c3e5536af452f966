// Removes a presets file once the app has read it, then fails if any of its secrets (passwords,
// personal access tokens, client secrets) is still written anywhere under the run's folder.
// Usage: node secrets-left.mjs <presets.json> <folder to scan>
import { readFileSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const [presetsPath, root] = process.argv.slice(2);
const presets = JSON.parse(readFileSync(presetsPath, 'utf8'));
// Tokens and client secrets are searched as they are; a password may be an ordinary word (the
// demo's is "district"), so it is searched as a stored value would hold it: quoted, after `=`,
// or inside a Basic Authorization value.
const needles = presets.flatMap((p) => {
  const out = [p.pat, p.clientSecret].filter((s) => typeof s === 'string' && s.length >= 6);
  if (typeof p.password === 'string' && p.password) {
    out.push(`"${p.password}"`, `'${p.password}'`, `= ${p.password}\n`, `=${p.password}&`);
    if (p.username) out.push(Buffer.from(`${p.username}:${p.password}`).toString('base64'));
  }
  return out;
});
const secrets = needles;
rmSync(presetsPath);

const found = [];
function scan(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) scan(p);
    else if (st.isFile() && st.size < 64 * 1024 * 1024) {
      const text = readFileSync(p).toString('latin1');
      for (const s of secrets) if (text.includes(s)) found.push(`${p} holds a secret of the presets (${s.slice(0, 3)}…)`);
    }
  }
}
scan(root);
if (found.length) {
  console.error(found.join('\n'));
  process.exit(1);
}
console.log(`no preset secret left under ${root} (${secrets.length} secrets checked; ${presetsPath} removed)`);
