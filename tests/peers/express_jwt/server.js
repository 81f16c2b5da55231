// An Express login API in the shape the READMEs of passport-jwt and jsonwebtoken show it.
//
// POST /login {"username","password"} checks the password with bcryptjs and answers 200
// {"token": <HS256 JWT>} made with jsonwebtoken's jwt.sign (sub, iss, aud, 15 minutes); GET /profile is
// the README's protected route, passport.authenticate('jwt', {session: false}) with
// ExtractJwt.fromAuthHeaderAsBearerToken(), the same secret, issuer and audience. Errors are
// {"message": ...}. Everything else is Express's and passport's default behaviour.
//
// Run by tests/peers/launch.py (after `npm ci` here): it listens on a free loopback port (PEER_PORT to
// choose one) and prints one JSON line {"url", "env"} with the accounts and the secret its profile
// reads, taken from the environment when set, made up otherwise.
'use strict';

const crypto = require('node:crypto');
const bcrypt = require('bcryptjs');
const express = require('express');
const jwt = require('jsonwebtoken');
const passport = require('passport');
const { Strategy: JwtStrategy, ExtractJwt } = require('passport-jwt');

// bcrypt at a cost lower than a production one, so a test run stays quick; still real bcrypt.
const BCRYPT_COST = 8;
const ISSUER = 'authconform-peer';
const AUDIENCE = 'authconform-peer-api';

function setting(name, make) {
  if (!process.env[name]) process.env[name] = make();
  return process.env[name];
}

const password = () => 'pw-' + crypto.randomBytes(12).toString('base64url');
const env = {
  EXPRESS_JWT_SECRET: setting('EXPRESS_JWT_SECRET', () => crypto.randomBytes(48).toString('base64url')),
  EXPRESS_JWT_USER: setting('EXPRESS_JWT_USER', () => 'alice'),
  EXPRESS_JWT_PASSWORD: setting('EXPRESS_JWT_PASSWORD', password),
  EXPRESS_JWT_DISABLED_USER: setting('EXPRESS_JWT_DISABLED_USER', () => 'dave'),
  EXPRESS_JWT_DISABLED_PASSWORD: setting('EXPRESS_JWT_DISABLED_PASSWORD', password),
};
const secret = env.EXPRESS_JWT_SECRET;

// The user store: username -> {id, hash, disabled}.
const users = new Map([
  [env.EXPRESS_JWT_USER, { id: 1, hash: bcrypt.hashSync(env.EXPRESS_JWT_PASSWORD, BCRYPT_COST), disabled: false }],
  [env.EXPRESS_JWT_DISABLED_USER,
    { id: 2, hash: bcrypt.hashSync(env.EXPRESS_JWT_DISABLED_PASSWORD, BCRYPT_COST), disabled: true }],
]);
// An unknown user's password is still compared against a hash, so both refusals take as long.
const dummyHash = bcrypt.hashSync('authconform-peer-dummy', BCRYPT_COST);

const opts = {
  jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
  secretOrKey: secret,
  issuer: ISSUER,
  audience: AUDIENCE,
  algorithms: ['HS256'],
};
passport.use(new JwtStrategy(opts, (payload, done) => {
  const user = [...users.entries()].find(([, u]) => String(u.id) === payload.sub);
  if (!user || user[1].disabled) return done(null, false);
  return done(null, { id: user[1].id, username: user[0] });
}));

const app = express();
app.use(express.json());
app.use(passport.initialize());

app.post('/login', async (req, res) => {
  const { username, password: given } = req.body ?? {};
  if (typeof username !== 'string' || !username || typeof given !== 'string' || !given) {
    return res.status(400).json({ message: 'username and password are required' });
  }
  const user = users.get(username);
  const ok = await bcrypt.compare(given, user ? user.hash : dummyHash);
  if (!user || !ok) return res.status(401).json({ message: 'Invalid username or password' });
  if (user.disabled) return res.status(403).json({ message: 'Account is disabled' });
  const token = jwt.sign({ sub: String(user.id), username }, secret,
    { algorithm: 'HS256', expiresIn: '15m', issuer: ISSUER, audience: AUDIENCE });
  return res.json({ token });
});

app.get('/profile', passport.authenticate('jwt', { session: false }), (req, res) => {
  res.json({ id: req.user.id, username: req.user.username });
});

const server = app.listen(Number(process.env.PEER_PORT || 0), '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, env }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
