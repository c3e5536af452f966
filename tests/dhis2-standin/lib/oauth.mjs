// DHIS2's OAuth2 / OIDC authorization server (dhis2-server.md §2), built on panva's oidc-provider
// (oauth-test-server.md §3). Paths, client rules and token semantics follow Spring Authorization Server
// as DHIS2 2.42.5+/2.43 uses it.
import { generateKeyPairSync, randomUUID, randomBytes } from 'node:crypto';
import querystring from 'node:querystring';
import Provider from 'oidc-provider';
import bcrypt from 'bcryptjs';
import { readBody, parseCookies, htmlEscape, sendJson, sendText, redirect } from './util.mjs';
import { tokenEndpointFault, takeFault } from './faults.mjs';
import { checkClientAssertion } from './dcr.mjs';
import { mintAccessJwt, opaqueIdOf, verifyAccessJwt, expiryCutoff } from './jwt.mjs';

// ---------------------------------------------------------------------------------------------
// Storage shared by every Provider instance, so a key rotation (a new Provider with a new key, as a
// DHIS2 restart does, §2.1) keeps sessions, grants and refresh tokens (§2.9 "Restarts").
// `generation` counts key rotations; each token records the one it was issued under, so "issued before
// the rotation" is exact even within one millisecond. `jwt`: the access token the client got (jwt.mjs).
export class Store {
  constructor() { this.models = new Map(); this.tokens = new Map(); this.generation = 0; }
  model(name) { if (!this.models.has(name)) this.models.set(name, new Map()); return this.models.get(name); }
  adapterClass() {
    const store = this;
    return class Adapter {
      constructor(name) { this.name = name; this.m = store.model(name); }
      async upsert(id, payload, expiresIn) {
        this.m.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null });
        if (this.name === 'AccessToken' || this.name === 'RefreshToken') {
          const prev = store.tokens.get(id);
          store.tokens.set(id, {
            kind: this.name, grantId: payload.grantId, clientId: payload.clientId, accountId: payload.accountId,
            issuedAtMs: prev?.issuedAtMs ?? Date.now(), gen: prev?.gen ?? store.generation, revoked: prev?.revoked ?? false, jwt: prev?.jwt,
          });
        }
      }
      async find(id) {
        const e = this.m.get(id);
        if (!e) return undefined;
        if (e.expiresAt && e.expiresAt < Date.now() && this.name !== 'AccessToken') { this.m.delete(id); return undefined; }
        return e.payload;
      }
      async findByUid(uid) { for (const e of this.m.values()) if (e.payload.uid === uid) return e.payload; return undefined; }
      async findByUserCode(code) { for (const e of this.m.values()) if (e.payload.userCode === code) return e.payload; return undefined; }
      async consume(id) { const e = this.m.get(id); if (e) e.payload.consumed = Math.floor(Date.now() / 1000); }
      async destroy(id) { this.m.delete(id); const t = store.tokens.get(id); if (t) t.revoked = true; }
      async revokeByGrantId(grantId) {
        for (const m of store.models.values()) for (const [k, e] of m) if (e.payload.grantId === grantId) m.delete(k);
        for (const t of store.tokens.values()) if (t.grantId === grantId) t.revoked = true;
      }
    };
  }
}

const INTERNAL = Symbol('internal');

export class OAuthServer {
  constructor(S) {
    this.S = S;
    this.store = new Store();
    this.clients = new Map(); // clientId -> { clientId, secretHash, internalSecret, public, broken, metadata }
    this.verified = new Map(); // `${clientId}\n${secret}` -> bool (bcrypt is slow)
    this.consents = new Map(); // `${user}\n${client}` -> Set(scope)
    this.cookieKeys = [randomBytes(16).toString('hex')];
    this.claimedRefresh = new Set(); // rotating refresh tokens presented and not yet answered (dhis2-dcr.md §4)
    this.expiredBefore = null; // the expire-tokens cutoff (jwt.mjs expiryCutoff)
  }

  get issuer() {
    // §2.1: from 2.42.5 / 2.43.0 the issuer always ends in '/'.
    return `${this.S.origin}${this.S.ctxPath}/`;
  }

  scopesFor() {
    // §1: ALL up to 2.43.1; openid/profile/username/email afterwards. The 2.43 and 2.42 profiles
    // (2.43.0-2.43.1, 2.42.5+) accept any registered string, so both sets are allowed.
    return ['openid', 'profile', 'username', 'email', 'ALL'];
  }

  // dhis2-server.md §2.4 / §9.1: from 2.43.2 a client's scopes are limited to openid,profile,username,email,
  // so the seeded clients of the 2.43.2 and 2.44 profiles carry those; `ALL` stays a provider scope, so
  // asking for it is refused with invalid_scope at authorize (§9.1 `v2.43.2`).
  clientScopes() {
    return this.S.profileInfo.restrictedScopes ? ['openid', 'profile', 'username', 'email'] : this.scopesFor();
  }

  async init() {
    const seedScope = this.clientScopes().join(' ');
    const redirectUris = ['http://127.0.0.1/oauth2/callback', 'org.dhis2w.desktop:/oauth2/callback'];
    this.seedSecret = 'dhis2w-desktop-secret';
    // Precomputed BCrypt hash of the seed secret (cost 10), as DHIS2 stores it (§2.4).
    const hash = '$2a$10$u22N.3G40lxthRLVnkRv2uIoEI8dZJ/T6mE7rGvfI06zvZ7/lncx2';
    this.verified.set(`dhis2w-desktop\n${this.seedSecret}`, true);
    this.registerClient({ clientId: 'dhis2w-desktop', name: 'dhis2w Desktop', secretHash: hash, redirectUris, scope: seedScope });
    this.registerClient({ clientId: 'dhis2w-desktop-public', name: 'dhis2w Desktop (public)', redirectUris, scope: seedScope });
    this.provider = this.makeProvider();
  }

  isNativeUri(u) {
    return /^http:\/\/(127\.\d+\.\d+\.\d+|\[::1\]|\[0:0:0:0:0:0:0:1\])(:\d+)?\//.test(u) || /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:\//i.test(u);
  }

  // Registers (or replaces) a client in the provider's adapter. Secrets are kept as BCrypt hashes;
  // the provider itself only ever sees a random internal secret (see translateClientAuth).
  // DCR clients (`dcr`, dcr.mjs) authenticate with private_key_jwt, checked before the provider sees the
  // request; `tokens` ({accessTtl, refreshTtl, reuse}) comes from DCR or an admin's tokenSettings;
  // `noConsent` from require-authorization-consent:false (2.43.2/2.44 profiles, DCR clients).
  registerClient({ clientId, name, secretHash, redirectUris, scope, broken = false, uid, dcr, tokens, noConsent = false,
    clientSettingsJson, tokenSettingsJson }) {
    const isPublic = !secretHash && !dcr;
    const internalSecret = isPublic ? undefined : randomBytes(24).toString('hex');
    const native = redirectUris.length > 0 && redirectUris.every((u) => this.isNativeUri(u));
    const metadata = {
      client_id: clientId, client_name: name,
      application_type: native ? 'native' : 'web',
      token_endpoint_auth_method: isPublic ? 'none' : 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
      redirect_uris: redirectUris, scope: dcr ? scope.split(' ').filter((x) => this.scopesFor().includes(x)).join(' ') : scope,
      ...(isPublic ? {} : { client_secret: internalSecret }),
    };
    this.clients.set(clientId, { clientId, secretHash, internalSecret, public: isPublic, broken, metadata, uid,
      dcr, tokens, noConsent, clientSettingsJson, tokenSettingsJson, scopeText: scope });
    this.store.model('Client').set(clientId, { payload: metadata, expiresAt: null });
  }

  makeProvider() {
    const S = this.S;
    // The key job itself writes the JWK. Exporting the KeyObject afterwards (privateKey.export({format:'jwk'}))
    // can deadlock Node 20.20: a GC during the export destroys the finished key job, which locks the key's
    // mutex the export already holds (seen under load as a stand-in that never printed its ready line).
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'jwk' }, publicKeyEncoding: { type: 'spki', format: 'jwk' },
    });
    const jwk = { ...privateKey, kid: randomUUID(), use: 'sig', alg: 'RS256' };
    this.currentKid = jwk.kid;
    this.signingJwk = jwk; // also signs the device-enrolment IAT (dhis2-dcr.md §1)
    const self = this;
    const configuration = {
      adapter: this.store.adapterClass(),
      jwks: { keys: [jwk] },
      clients: [],
      routes: {
        authorization: '/oauth2/authorize', token: '/oauth2/token', jwks: '/oauth2/jwks',
        revocation: '/oauth2/revoke', introspection: '/oauth2/introspect', userinfo: '/userinfo',
        end_session: '/connect/logout', registration: '/connect/register',
      },
      scopes: this.scopesFor(),
      claims: {
        openid: ['sub'], profile: ['name', 'given_name', 'family_name', 'preferred_username'],
        email: ['email', 'email_verified'], username: ['username'],
      },
      pkce: { required: () => true }, // §2.7: S256 only; the stand-in requires it for every client
      features: {
        devInteractions: { enabled: false }, revocation: { enabled: true }, introspection: { enabled: true },
        userinfo: { enabled: true }, rpInitiatedLogout: { enabled: true },
      },
      // §2.5: public clients get no refresh token; confidential ones get a reused (non-rotating) one.
      issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token') && client.clientAuthMethod !== 'none',
      // dhis2-dcr.md §4: DCR clients on 2.43.2/2.44 (and clients whose tokenSettings say
      // reuse-refresh-tokens:false) get a new refresh token on every refresh; everything else reuses it.
      rotateRefreshToken: (ctx) => self.clients.get(ctx.oidc.client?.clientId)?.tokens?.reuse === false,
      // Refresh tokens of clients with their own token settings are not bound to the browser session
      // (SAS keeps them in the database); the others expire with it, as before.
      expiresWithSession: async (ctx, source) => (self.clients.get(ctx.oidc.client?.clientId)?.tokens ? false : !source.scopes.has('offline_access')),
      findAccount: async (ctx, sub) => {
        const u = S.users.byUsername.get(sub);
        if (!u) return undefined;
        return {
          accountId: sub,
          claims: async () => ({
            sub, username: u.username, email: u.email, email_verified: false, name: u.displayName,
            given_name: u.firstName, family_name: u.surname, preferred_username: u.username,
          }),
        };
      },
      ttl: {
        // Per-client lifetimes where the client has its own (DCR, tokenSettings); each rotated refresh
        // token gets the full lifetime again: the sliding window of dhis2-dcr.md §4.
        AccessToken: (ctx, token, client) => self.clientTokens(client)?.accessTtl ?? S.opts.accessTtl,
        IdToken: S.opts.accessTtl,
        RefreshToken: (ctx, token, client) => self.clientTokens(client)?.refreshTtl ?? S.opts.refreshTtl,
        AuthorizationCode: 300, Interaction: 600, Session: 3600,
        Grant: (ctx, grant, client) => (self.clientTokens(client) ? 10 * 365 * 86400 : Math.max(S.opts.refreshTtl * 2, 86400)),
      },
      cookies: { keys: this.cookieKeys, short: { path: S.ctxPath || '/' } },
      interactions: {
        // §2.8: an unauthenticated browser is sent to the version's login page; the request is saved
        // in the DHIS2 session and resumed after login.
        url: (ctx, interaction) => {
          const back = `${S.ctxPath}/oauth2/interaction/${interaction.uid}`;
          if (interaction.prompt.name === 'login') {
            const sess = S.sessionFromCookieHeader(ctx.get('cookie'));
            if (!sess?.user) {
              const s = sess || S.newSession(null);
              s.savedUrl = back;
              ctx.cookies.set('JSESSIONID', s.id, { path: '/', httpOnly: true, sameSite: 'lax', signed: false, overwrite: true });
              return `${S.ctxPath}${S.profileInfo.loginPath}`;
            }
          }
          return back;
        },
      },
      renderError: async (ctx, out) => {
        ctx.type = 'html';
        ctx.body = `<!DOCTYPE html><html><head><title>Error</title></head><body><h1>${htmlEscape(out.error)}</h1><p id="error">${htmlEscape(out.error_description || '')}</p></body></html>`;
      },
      discovery: { claims_parameter_supported: undefined },
    };
    const provider = new Provider(this.issuer, configuration);
    provider.on('server_error', (ctx, err) => S.log('oidc server_error', err));
    provider[INTERNAL] = self;
    return provider;
  }

  // §2.1: a new signing key, as at a DHIS2 start without a keystore. Earlier access tokens are refused
  // (validateBearer); dropRefreshTokens is §9.2 `restart`'s second sub-mode (refresh → invalid_grant).
  rotateKey({ dropRefreshTokens = false } = {}) {
    this.store.generation += 1;
    this.provider = this.makeProvider();
    if (dropRefreshTokens) {
      const m = this.store.model('RefreshToken');
      for (const id of m.keys()) { const t = this.store.tokens.get(id); if (t) t.revoked = true; }
      m.clear();
    }
  }

  signedWithOldKey(t) { return t.gen < this.store.generation; }

  // The public keys /api/* verifies access tokens with: only the current one, as after a DHIS2 restart
  // without a keystore (§2.1).
  verificationKeys() { return [this.signingJwk]; }

  clientTokens(client) { return client ? this.clients.get(client.clientId)?.tokens : undefined; }

  // --- token endpoint client authentication ----------------------------------------------------
  // Reads the form, applies faults, verifies the BCrypt secret (§2.4) for client_secret_basic or
  // client_secret_post, and hands the provider a client_secret_basic request with the internal secret.
  async preprocessTokenRequest(req, res, kind) {
    const raw = await readBody(req, 64 * 1024);
    const form = querystring.parse(raw);
    if (kind === 'token' && req._standinLog) req._standinLog.grantType = form.grant_type || null;
    if (kind === 'token' && tokenEndpointFault(this.S, req, res)) return false;
    if (kind === 'token' && form.grant_type === 'refresh_token' && takeFault(this.S, 'refreshInvalidGrant')) {
      sendJson(res, 400, { error: 'invalid_grant' }, { 'Cache-Control': 'no-store' });
      return false;
    }
    let clientId = form.client_id;
    let secret = form.client_secret;
    const auth = req.headers.authorization || '';
    if (form.client_assertion !== undefined || form.client_assertion_type !== undefined) {
      return this.assertionAuth(req, res, form, kind);
    }
    if (/^basic /i.test(auth)) {
      const dec = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
      const i = dec.indexOf(':');
      clientId = decodeURIComponent(dec.slice(0, i));
      secret = decodeURIComponent(dec.slice(i + 1));
    }
    const invalidClient = () => { sendJson(res, 401, { error: 'invalid_client' }, { 'Cache-Control': 'no-store' }); return false; };
    const c = this.clients.get(clientId);
    if (!c) return invalidClient(); // §2.12: SAS writes the code only
    if (c.broken) { sendText(res, 500, 'authorizationGrantTypes cannot be empty', 'text/html;charset=UTF-8'); return false; }
    if (c.public) {
      // §2.5: public clients cannot revoke or introspect.
      if (kind !== 'token' || secret) return invalidClient();
      delete form.client_secret;
      form.client_id = clientId;
    } else {
      if (!secret) return invalidClient();
      const key = `${clientId}\n${secret}`;
      let ok = this.verified.get(key);
      if (ok === undefined) {
        ok = c.secretHash?.startsWith('$2') ? await bcrypt.compare(secret, c.secretHash) : false; // DCR clients have no secret
        this.verified.set(key, ok);
      }
      if (!ok) return invalidClient();
      delete form.client_secret;
      delete form.client_id;
      this.toStoredToken(form, kind);
      req.headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(c.internalSecret)}`).toString('base64')}`;
    }
    req.body = querystring.stringify(form);
    req.headers['content-type'] = 'application/x-www-form-urlencoded';
    req.headers['content-length'] = String(Buffer.byteLength(req.body));
    return true;
  }

  // Revocation and introspection find an access token by its exact value (SAS's findByToken): the JWT
  // the client holds is handed to the provider as the stored opaque id it stands for (jwt.mjs).
  toStoredToken(form, kind) {
    if (kind === 'token' || typeof form.token !== 'string') return;
    form.token = this.storedIdFor(form.token);
  }

  // The stored id for an access-token JWT; the bare id (the JWT's jti) is not a token the client was
  // given, so it is made unknown; any other value (a refresh token) passes as it is.
  storedIdFor(value, opts) {
    const id = opaqueIdOf(this, value, opts);
    if (id) return id;
    return this.store.tokens.get(value)?.kind === 'AccessToken' ? `unknown-${value}` : value;
  }

  // The token endpoint's 200 answer carries the JWT instead of the provider's opaque access token (§2.10).
  rewriteTokenResponse(res) {
    const end = res.end.bind(res);
    res.end = (chunk, ...rest) => {
      try {
        if (chunk && res.statusCode === 200) {
          const body = JSON.parse(chunk.toString());
          if (typeof body.access_token === 'string') {
            body.access_token = mintAccessJwt(this, body.access_token);
            // Test-only memory of what was handed out, so leak scans can look for each value.
            for (const k of ['access_token', 'refresh_token', 'id_token']) if (typeof body[k] === 'string') this.S.issued?.push(body[k]);
            const txt = JSON.stringify(body);
            res.setHeader('Content-Length', Buffer.byteLength(txt));
            return end(txt);
          }
        }
      } catch { /* not JSON: sent as it is */ }
      return end(chunk, ...rest);
    };
  }

  // userinfo: SAS decodes the bearer JWT (current key) and then looks the token up, so a revoked or
  // replaced token fails there, unlike on /api/*. The provider gets the stored opaque id.
  toStoredBearer(req) {
    const m = /^bearer\s+(\S+)$/i.exec(req.headers.authorization || '');
    if (m) req.headers.authorization = `Bearer ${this.storedIdFor(m[1], { currentKeyOnly: true })}`;
  }

  // private_key_jwt (dhis2-dcr.md §3): client_id is required (SAS), the assertion is checked in dcr.mjs,
  // and the provider gets the client's internal secret as client_secret_basic.
  async assertionAuth(req, res, form, kind) {
    const invalidClient = () => { sendJson(res, 401, { error: 'invalid_client' }, { 'Cache-Control': 'no-store' }); return false; };
    const c = this.clients.get(form.client_id);
    const why = form.client_id ? checkClientAssertion(this.S, c, form) : 'client_id missing';
    if (why) { this.S.log('client assertion refused:', why); return invalidClient(); }
    if (kind === 'token' && form.grant_type === 'refresh_token' && c.tokens?.reuse === false && !this.claimRefresh(req, res, form.refresh_token)) {
      return false;
    }
    for (const k of ['client_id', 'client_assertion', 'client_assertion_type']) delete form[k];
    this.toStoredToken(form, kind);
    req.headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.internalSecret)}`).toString('base64')}`;
    req.body = querystring.stringify(form);
    req.headers['content-type'] = 'application/x-www-form-urlencoded';
    req.headers['content-length'] = String(Buffer.byteLength(req.body));
    return true;
  }

  // Rotation with replay detection (dhis2-dcr.md §4): a superseded refresh token, or one already being
  // used by a request not yet answered, gets 400 {"error":"invalid_grant"}. Answered here rather than
  // by oidc-provider, which would also revoke the whole grant (the newest token included); SAS only
  // refuses the old token (the reference names no family revocation).
  claimRefresh(req, res, token) {
    const e = this.store.model('RefreshToken').get(String(token || ''));
    if (e?.payload.consumed || this.claimedRefresh.has(token)) {
      sendJson(res, 400, { error: 'invalid_grant' }, { 'Cache-Control': 'no-store' });
      return false;
    }
    if (!e) return true; // unknown or expired: the provider answers invalid_grant
    this.claimedRefresh.add(token);
    res.on('close', () => this.claimedRefresh.delete(token)); // by then a used token is marked consumed
    return true;
  }

  // --- bearer validation on /api/* (§2.11): by signature and claims only (jwt.mjs) ---------------------
  async validateBearer(token) {
    return verifyAccessJwt(this, token);
  }

  // POST /__standin/expire-tokens: every access token issued so far is refused as expired on /api/* (a
  // cutoff, jwt.mjs), and the stored records expire too, so introspection and userinfo agree.
  expireAll() {
    const now = Date.now();
    this.expiredBefore = expiryCutoff(this, now);
    for (const e of this.store.model('AccessToken').values()) {
      e.expiresAt = now - 1;
      e.payload.exp = Math.floor(now / 1000) - 1;
    }
  }

  // The server's record of a token (as SAS's oauth2_authorization row, or introspection, would say):
  // a revoked access token is `active: false` here even though /api/* accepts it until it expires.
  tokenStatus(token) {
    token = opaqueIdOf(this, token) ?? token;
    const t = this.store.tokens.get(token);
    if (!t) {
      const u = this.S.uaaTokens?.get(token);
      if (u) return { known: true, active: !u.revoked && u.exp > Date.now(), revoked: !!u.revoked, kind: u.kind };
      return { known: false, active: false, revoked: false };
    }
    const e = this.store.model(t.kind).get(token);
    let active = !!e && !t.revoked;
    if (active && t.kind === 'AccessToken') {
      active = e.payload.exp * 1000 > Date.now() && !this.signedWithOldKey(t);
    } else if (active && e.expiresAt) active = e.expiresAt > Date.now();
    // A rotated (consumed) refresh token is refused at the token endpoint (dhis2-dcr.md §4).
    if (active && t.kind !== 'AccessToken' && e.payload.consumed) active = false;
    return { known: true, active, revoked: t.revoked, kind: t.kind === 'AccessToken' ? 'access_token' : 'refresh_token' };
  }

  // --- interaction pages: login hand-off and the SAS-like consent page (§2.8) --------------------
  async handleInteraction(req, res, sub) {
    const S = this.S;
    const provider = this.provider;
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (e) {
      sendText(res, 400, `<!DOCTYPE html><html><body><h1>invalid_request</h1><p id="error">${htmlEscape(e.message)}</p></body></html>`, 'text/html;charset=UTF-8');
      return;
    }
    const { uid, prompt, params } = details;
    if (prompt.name === 'login') {
      const sess = S.sessionFromCookieHeader(req.headers.cookie);
      if (!sess?.user) {
        const s = sess || S.newSession(null);
        s.savedUrl = `${S.ctxPath}/oauth2/interaction/${uid}`;
        redirect(res, 302, `${S.baseUrl}${S.profileInfo.loginPath}`, { 'Set-Cookie': S.sessionCookie(s) });
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: sess.user } }, { mergeWithLastSubmission: false });
      return;
    }
    if (prompt.name !== 'consent') {
      sendText(res, 400, 'unsupported prompt', 'text/plain');
      return;
    }
    const accountId = details.session?.accountId;
    const requested = String(params.scope || '').split(' ').filter(Boolean);
    const nonOpenid = requested.filter((s) => s !== 'openid');
    const key = `${accountId}\n${params.client_id}`;
    const earlier = this.consents.get(key) || new Set();
    const finish = async (granted) => {
      const grant = details.grantId ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId, clientId: params.client_id });
      const g = requested.filter((s) => granted.has(s) || s === 'openid');
      const rejected = requested.filter((s) => !g.includes(s));
      if (g.length) grant.addOIDCScope(g.join(' '));
      if (rejected.length) grant.rejectOIDCScope(rejected.join(' '));
      if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    };
    // Consent is skipped when only openid is asked for, or an earlier consent covers the scopes, or the
    // client has consent off (DCR clients, dhis2-dcr.md §3 "Consent").
    const noConsent = this.clients.get(params.client_id)?.noConsent;
    if (sub === '' && req.method === 'GET' && (noConsent || nonOpenid.length === 0 || nonOpenid.every((s) => earlier.has(s)))) {
      await finish(new Set(requested));
      return;
    }
    if (sub === 'consent' && req.method === 'POST') {
      const form = querystring.parse(await readBody(req));
      if (form.action !== 'approve') {
        await provider.interactionFinished(req, res, {
          error: 'access_denied', error_description: 'The resource owner or authorization server denied the request.',
        }, { mergeWithLastSubmission: false });
        return;
      }
      const ticked = new Set([].concat(form.scope || []));
      const stored = new Set([...earlier, ...[...ticked].filter((s) => nonOpenid.includes(s))]);
      this.consents.set(key, stored);
      await finish(ticked);
      return;
    }
    const client = this.clients.get(params.client_id);
    const boxes = nonOpenid.map((s) => `
      <div class="form-check"><input class="form-check-input" type="checkbox" name="scope" value="${htmlEscape(s)}" id="${htmlEscape(s)}" checked>
      <label class="form-check-label" for="${htmlEscape(s)}">${htmlEscape(s)}</label></div>`).join('');
    const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Consent required</title></head>
<body>
<h1>Consent required</h1>
<p><b>${htmlEscape(client?.metadata.client_name || params.client_id)}</b> wants to access your account <b>${htmlEscape(accountId)}</b>.</p>
<p>The following permissions are requested by the above app. Please review these and consent if you approve.</p>
<form id="consent-form" method="post" action="${htmlEscape(`${S.ctxPath}/oauth2/interaction/${uid}/consent`)}">
  <input type="hidden" name="client_id" value="${htmlEscape(params.client_id)}">
  <input type="hidden" name="state" value="${htmlEscape(params.state || '')}">
  ${boxes}
  <button class="btn btn-primary" type="submit" id="submit-consent" name="action" value="approve">Submit Consent</button>
  <button class="btn btn-link" type="submit" id="cancel-consent" name="action" value="cancel">Cancel</button>
</form>
</body></html>`;
    sendText(res, 200, html, 'text/html;charset=UTF-8', { 'Cache-Control': 'no-store' });
  }
}
