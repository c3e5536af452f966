#!/usr/bin/env node
// DHIS2 stand-in server for dhis2w Desktop tests and the offline demo.
// Behaviour follows /work/shared/reference/dhis2-server.md (section numbers cited as §N).
import './lib/quiet.mjs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createState } from './lib/state.mjs';
import { handle } from './lib/router.mjs';
import { releaseHeld } from './lib/faults.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    profile: { type: 'string', default: '2.43' },
    'context-path': { type: 'string', default: '' },
    data: { type: 'string', default: 'small' },
    'access-ttl': { type: 'string', default: '300' },
    'refresh-ttl': { type: 'string', default: '3600' },
    verbose: { type: 'boolean', default: false },
    // dhis2-server.md §9.2 switches, independent of the profile.
    'no-discovery': { type: 'boolean', default: false },
    'trailing-slash': { type: 'boolean', default: false },
    'oauth2-off': { type: 'boolean', default: false },
    'mapping-broken': { type: 'boolean', default: false },
    // dhis2-dcr.md: device enrolment and DCR (lib/dcr.mjs). The three settings are DHIS2 system settings
    // (§1); --dcr-refresh-ttl is oauth2.server.dcr.refresh-token-ttl (§4, 2.43.2/2.44 profiles).
    'dcr-off': { type: 'boolean', default: false },
    'enrollment-allowlist': { type: 'string' },
    'enrollment-groups': { type: 'string' },
    'iat-ttl': { type: 'string', default: '' },
    'dcr-refresh-ttl': { type: 'string', default: '2592000' },
    // dhis2-analytics.md §1.8 row cap (keyAnalyticsMaxLimit, code default 100000; 0 = unlimited) and the
    // date relative periods are resolved against (default: today, as DHIS2; relativePeriodDate wins).
    'analytics-max-limit': { type: 'string', default: '100000' },
    'analytics-date': { type: 'string', default: '' },
  },
  allowPositionals: false,
});

const profile = values.profile.replace(/^v/, '');
if (!['2.44', '2.43.2', '2.43', '2.42', '2.40'].includes(profile)) {
  process.stderr.write(`unknown profile ${values.profile} (use 2.44, 2.43.2, 2.43, 2.42 or 2.40)\n`);
  process.exit(2);
}
let ctxPath = values['context-path'].trim();
if (ctxPath === '/') ctxPath = '';
if (ctxPath && !ctxPath.startsWith('/')) ctxPath = `/${ctxPath}`;
ctxPath = ctxPath.replace(/\/+$/, '');

if (!['small', 'large', 'alt'].includes(values.data)) {
  process.stderr.write(`unknown data set ${values.data} (use small, large or alt)\n`);
  process.exit(2);
}
if (values['analytics-date'] && !/^\d{4}-\d{2}-\d{2}$/.test(values['analytics-date'])) {
  process.stderr.write(`--analytics-date must be yyyy-MM-dd\n`);
  process.exit(2);
}
const opts = {
  host: values.host, port: Number(values.port), profile, ctxPath, data: values.data,
  analyticsMaxLimit: Number(values['analytics-max-limit']), analyticsDate: values['analytics-date'] || undefined,
  accessTtl: Number(values['access-ttl']), refreshTtl: Number(values['refresh-ttl']), verbose: values.verbose,
  noDiscovery: values['no-discovery'], trailingSlash: values['trailing-slash'], oauth2Off: values['oauth2-off'],
  mappingBroken: values['mapping-broken'],
  dcrOff: values['dcr-off'], enrollmentAllowlist: values['enrollment-allowlist'], enrollmentGroups: values['enrollment-groups'],
  iatTtl: Number(values['iat-ttl']) || undefined, dcrRefreshTtl: Number(values['dcr-refresh-ttl']) || 2592000,
};

const server = http.createServer();
server.keepAliveTimeout = 5000;
let S = null;
server.listen(opts.port, opts.host, async () => {
  const { port } = server.address();
  S = await createState({ ...opts, port });
  server.on('request', (req, res) => {
    handle(S, req, res).catch((err) => {
      S.log('request failed', err);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ httpStatus: 'Internal Server Error', httpStatusCode: 500, status: 'ERROR', message: String(err.message) }));
      } else res.destroy();
    });
  });
  process.stdout.write(`DHIS2_STANDIN_URL=${S.baseUrl}\n`);
});

// Responses a fault holds open (a hanging token request, a dripping body) are ended first, so that
// server.close sees every connection go and exits by itself; the timer is only a safety net.
const stop = () => {
  server.close(() => process.exit(0));
  if (S) releaseHeld(S);
  server.closeAllConnections?.();
  setTimeout(() => {
    process.stderr.write('[standin] forced exit: connections were still open\n');
    process.exit(0);
  }, 500).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
