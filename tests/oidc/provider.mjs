// A real OpenID Connect provider for the integration tests (tests/it/oidc.rs): Node's
// `oidc-provider` (an OpenID-certified implementation), on loopback, with one client.
//
// Who signs in is chosen by the test: the authorization request carries `login_hint`, and the
// interaction (the provider's own login and consent pages in real life) signs that account in
// and grants the scopes asked for. An account id is an email; one that starts with
// "unverified:" has an email the provider has not verified.
//
// Environment: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS and POST_LOGOUT_URIS (comma
// separated); DEFAULT_LOGIN, the account of a request without login_hint (a browser's, in the
// browser suite). Prints "listening on <issuer>" when it serves.
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const list = (name) => (process.env[name] || '').split(',').filter(Boolean);

const configuration = {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: list('REDIRECT_URIS'),
    post_logout_redirect_uris: list('POST_LOGOUT_URIS'),
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // The ID token carries the scopes' claims (email), as Entra ID's does.
  conformIdTokenClaims: false,
  cookies: { keys: ['trafiklys-test-provider-cookie-key'] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const unverified = id.startsWith('unverified:');
    const email = unverified ? id.slice('unverified:'.length) : id;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email, email_verified: !unverified, name: email.split('@')[0] };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);

// The login and consent steps, without pages: the account is the request's login_hint.
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    const accountId = params.login_hint || process.env.DEFAULT_LOGIN;
    if (!accountId) {
      res.statusCode = 400;
      res.end('login_hint missing');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId } },
      { mergeWithLastSubmission: false });
    return;
  }
  const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } },
    { mergeWithLastSubmission: true });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  callback(req, res);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on ${issuer}`);
});
