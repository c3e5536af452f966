// Imported first by server.mjs: stdout carries only the ready line, so console.log/info go to
// stderr, and oidc-provider's notices (e.g. the harmless Node 20 "Unsupported runtime" warning,
// oauth-test-server.md §9) are dropped unless --verbose is given.
const verbose = process.argv.includes('--verbose');
const toErr = (...a) => process.stderr.write(`${a.map(String).join(' ')}\n`);
for (const k of ['log', 'info', 'warn', 'error', 'debug']) {
  console[k] = (...a) => {
    if (!verbose && String(a[0] ?? '').includes('oidc-provider')) return;
    toErr(...a);
  };
}
