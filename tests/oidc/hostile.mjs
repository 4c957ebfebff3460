// A hostile OpenID Connect provider for the integration tests (tests/it/oidc.rs): correct
// discovery and keys, but ID tokens that are wrong in one way each. No dependencies: Node's
// http and crypto only.
//
// The test chooses the fault with `login_hint=<mode>:<email>`; the authorization endpoint
// answers at once with a code that carries the mode, the email and the nonce, and the token
// endpoint makes the ID token of that mode:
//   ok, wrong-issuer, wrong-audience, expired, bad-signature, alg-none, nonce-mismatch,
//   unverified-email, and rotated-key: signed with a second key (kid k2) that the key set
//   lists only from its second request on, as after a provider's key rotation
// The metadata offers "none" and "HS256" too, as a provider that tries them would.
//
// Environment: PORT, CLIENT_ID. Prints "listening on <issuer>" when it serves.
import crypto from 'node:crypto';
import http from 'node:http';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.CLIENT_ID;

const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
const rotated = { ...other.publicKey.export({ format: 'jwk' }), kid: 'k2', use: 'sig', alg: 'RS256' };
let keySetRequests = 0;

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))
  .toString('base64url');

function idToken(mode, email, nonce) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: mode === 'wrong-issuer' ? `${issuer}/somebody-else` : issuer,
    aud: mode === 'wrong-audience' ? 'another-service' : clientId,
    sub: `hostile-${email}`,
    iat: mode === 'expired' ? now - 7200 : now,
    exp: mode === 'expired' ? now - 3600 : now + 300,
    nonce: mode === 'nonce-mismatch' ? 'not-the-nonce-that-was-sent' : nonce,
    email,
    email_verified: mode !== 'unverified-email',
  };
  if (mode === 'alg-none') {
    return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  }
  const kid = mode === 'rotated-key' ? 'k2' : 'k1';
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`;
  const key = mode === 'bad-signature' || mode === 'rotated-key' ? other.privateKey : privateKey;
  const signature = crypto.sign('RSA-SHA256', Buffer.from(input), key).toString('base64url');
  return `${input}.${signature}`;
}

function json(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(body));
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname === '/.well-known/openid-configuration') {
    return json(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'none', 'HS256'],
    });
  }
  if (url.pathname === '/jwks') {
    keySetRequests += 1;
    return json(res, 200, { keys: keySetRequests === 1 ? [jwk] : [jwk, rotated] });
  }
  if (url.pathname === '/authorize') {
    const hint = url.searchParams.get('login_hint') || 'ok:nobody@example.dk';
    const [mode, email] = hint.split(/:(.*)/s);
    const code = b64({ mode, email, nonce: url.searchParams.get('nonce') });
    const back = new URL(url.searchParams.get('redirect_uri'));
    back.searchParams.set('code', code);
    back.searchParams.set('state', url.searchParams.get('state'));
    res.writeHead(302, { Location: back.toString() });
    return res.end();
  }
  if (url.pathname === '/token' && req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    let grant;
    try {
      grant = JSON.parse(Buffer.from(form.get('code') || '', 'base64url').toString());
    } catch {
      return json(res, 400, { error: 'invalid_grant' });
    }
    return json(res, 200, {
      access_token: 'hostile-access-token',
      token_type: 'Bearer',
      expires_in: 300,
      id_token: idToken(grant.mode, grant.email, grant.nonce),
    });
  }
  res.writeHead(404);
  res.end();
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on ${issuer}`);
});
