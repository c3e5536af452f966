// Prints the demo's preset instances (JSON) for a running stand-in, using its fixtures so that
// no credential is written twice. Usage: node presets.mjs <stand-in base URL>
const base = process.argv[2];
const res = await fetch(`${base}/__standin/fixtures`);
if (!res.ok) throw new Error(`fixtures: HTTP ${res.status}`);
const f = await res.json();
const admin = f.users.admin;
const common = { baseUrl: base, caCertPath: null, notes: null };
const presets = [
  { ...common, name: "Stand-in (password)", authKind: "basic", username: admin.username,
    password: admin.password, color: "#2c6693", oauth2: null },
  { ...common, name: "Stand-in (access token)", authKind: "pat", username: null,
    pat: f.pats.valid, color: "#00796b", oauth2: null },
  { ...common, name: "Stand-in (browser sign-in)", authKind: "oauth2", username: null,
    clientSecret: f.clients.confidential.clientSecret, color: "#6a1b9a",
    oauth2: { clientId: f.clients.confidential.clientId, scope: null, redirectMode: "loopback" } },
  { ...common, name: "Stand-in (browser, public app)", authKind: "oauth2", username: null,
    color: "#c62828",
    oauth2: { clientId: f.clients.public.clientId, scope: null, redirectMode: "loopback" } },
];
process.stdout.write(JSON.stringify(presets, null, 2) + "\n");
