// An OpenID Connect provider on loopback for the hosted-mode tests (tests/auth): panva's certified oidc-provider,
// pinned in tests/browser/package.json (npm ci --prefix tests/browser), with one confidential client (the
// dashboard), a few accounts, and a plain sign-in form of its own instead of the package's development pages
// (those load a web font from the internet and add a consent step no NHS identity provider shows).
//
//   node tests/auth/oidc_provider.mjs --port 9000 --client-id dashboard --client-secret s3cret \
//     --redirect-uri http://127.0.0.1:8501/oauth2callback --accounts accounts.json [--id-token-ttl 3600]
//
// The issuer is http://127.0.0.1:PORT (plain http on loopback is fine for a web client using the code flow).
// --redirect-uri may be repeated (one per app instance); the same URIs are registered as post-logout redirect
// URIs, because Streamlit's /auth/logout sends its /oauth2callback URL as post_logout_redirect_uri.
// --client-secret may instead come from the OIDC_CLIENT_SECRET environment variable (kept out of `ps`).
// accounts.json is a list of {"login", "password", "claims": {email, email_verified, name, roles, ...}}; the
// login is the subject (sub). The claims go into the ID token (Streamlit reads st.user from it, not from the
// userinfo endpoint): email and email_verified with scope "email", name and roles with scope "profile".
//
// Streamlit asks for prompt=select_account unless secrets.toml says otherwise; the default oidc-provider policy
// rejects that value, so this provider adds a select_account prompt answered by the same sign-in form (as an
// account picker that always asks for the password). Sign-out (RP-initiated logout) shows a confirmation page.
// When it listens it prints one line, "oidc-provider ready <issuer>", to stdout.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string', default: 'dashboard' },
    'client-secret': { type: 'string', default: process.env.OIDC_CLIENT_SECRET },
    'redirect-uri': { type: 'string', multiple: true },
    accounts: { type: 'string' },
    'id-token-ttl': { type: 'string', default: '3600' },
    modules: { type: 'string', default: join(here, '..', 'browser') },
  },
});

function fail(message) {
  process.stderr.write(`oidc_provider.mjs: ${message}\n`);
  process.exit(2);
}

const port = Number.parseInt(args.port ?? '', 10);
if (!Number.isInteger(port) || port <= 0) fail('--port PORT is required');
if (!args['client-secret']) fail('--client-secret (or OIDC_CLIENT_SECRET) is required');
if (!args['redirect-uri']?.length) fail('at least one --redirect-uri is required');
if (!args.accounts) fail('--accounts FILE.json is required');
const idTokenTtl = Number.parseInt(args['id-token-ttl'], 10);
if (!Number.isInteger(idTokenTtl) || idTokenTtl <= 0) fail('--id-token-ttl must be a positive number of seconds');

// oidc-provider is installed under tests/browser/node_modules, which ES-module resolution from this folder does
// not search: resolve it from that package.json instead.
const requireFrom = createRequire(join(args.modules, 'package.json'));
const { default: Provider, interactionPolicy } = await import(pathToFileURL(requireFrom.resolve('oidc-provider')));

const accounts = new Map(
  JSON.parse(readFileSync(args.accounts, 'utf8')).map((account) => [account.login.toLowerCase(), account]),
);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };

const policy = interactionPolicy.base();
policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:Arial,sans-serif;max-width:24rem;margin:3rem auto;color:#0b0c0c}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem;background:#005eb8;color:#fff;border:0}
.error{color:#a00;font-weight:bold}</style></head>
<body><p>Test identity provider (tests/auth)</p>${body}</body></html>`;
}

const configuration = {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: args['redirect-uri'],
    post_logout_redirect_uris: args['redirect-uri'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'roles'] },
  // Streamlit takes st.user from the ID token only, so the scope's claims must be in it (not only in userinfo).
  conformIdTokenClaims: false,
  cookies: { keys: [randomBytes(32).toString('hex')] },
  jwks: { keys: [signingKey] },
  ttl: { IdToken: idTokenTtl, AccessToken: idTokenTtl },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out', `<h1>Sign out</h1><p>Sign out of the test identity provider?</p>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>`);
      },
    },
  },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = accounts.get(id);
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ ...account.claims, sub: id }) };
  },
  // The dashboard is a first-party client: no consent screen, the grant covers what it asks for.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    if (grantId) return oidc.provider.Grant.find(grantId);
    const grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
    grant.addOIDCScope(oidc.params.scope);
    await grant.save();
    return grant;
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><pre>${escapeHtml(JSON.stringify(out, null, 2))}</pre>`);
  },
};

const provider = new Provider(issuer, configuration);
const oidcCallback = provider.callback();

function signInForm(uid, { login = '', error = '' } = {}) {
  return page('Sign in', `<h1>Sign in</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}" autocomplete="off">
<label for="login">Email address</label><input id="login" name="login" type="email" value="${escapeHtml(login)}" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button></form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (!['select_account', 'login'].includes(details.prompt.name)) {
    send(res, 501, page('Not supported', `<p>Prompt ${escapeHtml(details.prompt.name)} is not supported.</p>`));
    return;
  }
  if (req.method === 'GET') {
    send(res, 200, signInForm(details.uid));
    return;
  }
  const form = await readForm(req);
  const login = (form.get('login') ?? '').trim().toLowerCase();
  const account = accounts.get(login);
  if (!account || account.password !== form.get('password')) {
    send(res, 401, signInForm(details.uid, { login, error: 'Wrong email address or password.' }));
    return;
  }
  await provider.interactionFinished(req, res, { select_account: {}, login: { accountId: login } }, {
    mergeWithLastSubmission: false,
  });
}

const server = createServer((req, res) => {
  if (/^\/interaction\/[^/]+$/.test(new URL(req.url, issuer).pathname)) {
    interaction(req, res).catch((err) => {
      send(res, 400, page('Sign-in error', `<h1>Sign-in error</h1><p>${escapeHtml(err.message)}</p>`));
    });
    return;
  }
  oidcCallback(req, res);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider ready ${issuer}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
