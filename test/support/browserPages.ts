// A small multi-page shop on 127.0.0.1 for browser checks: a login form that posts, a
// client-rendered basket whose "add" button POSTs with fetch and which logs a console error, a
// link to a payment page that the guards must stop, a slow stylesheet, and an account page.
// Every request that reaches the server is recorded with its method, path and headers, so a
// test asserts on what crossed the wire, not on what the browser claimed.
import type { IncomingHttpHeaders } from 'node:http';
import { startHttpServer } from './servers.js';
import type { StartedHttpServer } from './servers.js';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface BrowserSite {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="stylesheet" href="/static/site.css"></head><body>${body}</body></html>`;

const PAGES: Record<string, string> = {
  '/login': page(
    'Sign in',
    `<h1>Sign in</h1>
     <form method="post" action="/session">
       <label>User <input id="username" name="username"></label>
       <label>Password <input id="password" name="password" type="password"></label>
       <label>Memo <input id="memo" name="memo"></label>
       <button id="submit" type="submit">Sign in</button>
     </form>
     <script>
       // A page that echoes what was typed into its console: the kind of leak redaction must catch.
       document.getElementById('memo').addEventListener('change', (e) => console.error('memo changed to ' + e.target.value));
     </script>`,
  ),
  '/account': page('Account', `<h1 id="welcome">Welcome back, probe-user</h1><a id="basket" href="/basket">Basket</a>`),
  '/basket': page(
    'Basket',
    `<h1>Basket</h1><ul id="items"></ul><p id="total">loading…</p>
     <button id="add" type="button">Add one more</button>
     <a id="pay" href="/payments/checkout">Pay now</a>
     <script>
       console.error('basket widget: recommendations unavailable');
       fetch('/api/basket').then((r) => r.json()).then((basket) => {
         document.getElementById('items').innerHTML = basket.items.map((i) => '<li class="item">' + i.name + '</li>').join('');
         document.getElementById('total').textContent = 'Total: ' + basket.total;
       });
       document.getElementById('add').addEventListener('click', () => {
         fetch('/api/basket/items', { method: 'POST', body: JSON.stringify({ sku: 'tea' }), headers: { 'content-type': 'application/json' } })
           .then(() => { document.getElementById('total').textContent = 'added'; })
           .catch(() => { document.getElementById('total').textContent = 'could not add'; });
       });
     </script>`,
  ),
  '/payments/checkout': page('Pay', `<h1>Payment</h1><p>This page charges a card.</p>`),
  // Two fetches whose answers are redirects: one to an allowed API, one into /payments.
  '/offers': page(
    'Offers',
    `<h1>Offers</h1><p id="basket-count">…</p><p id="promo">…</p>
     <script>
       fetch('/api/old-basket').then((r) => r.json()).then((b) => { document.getElementById('basket-count').textContent = b.items.length + ' items'; });
       fetch('/api/promo').then((r) => r.text()).then((t) => { document.getElementById('promo').textContent = t; }, () => { document.getElementById('promo').textContent = 'no promo'; });
     </script>`,
  ),
};

/** Starts the shop; `slowCssMs` delays the stylesheet (a slow resource). */
export async function startBrowserSite(options: { slowCssMs?: number } = {}): Promise<BrowserSite> {
  const seen: SeenRequest[] = [];
  const server: StartedHttpServer = await startHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const method = req.method ?? 'GET';
      seen.push({ method, path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const bare = path.split('?')[0] ?? path;
      if (method === 'POST' && bare === '/session') {
        res.writeHead(303, { location: '/account' }).end();
      } else if (method === 'POST' && bare === '/api/basket/items') {
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
      } else if (bare === '/api/old-basket') {
        res.writeHead(301, { location: '/api/basket' }).end();
      } else if (bare === '/api/promo') {
        res.writeHead(302, { location: '/payments/promo' }).end();
      } else if (bare === '/api/basket') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [{ name: 'Tea' }, { name: 'Biscuits' }], total: '4.20 EUR' }));
      } else if (bare === '/static/site.css') {
        setTimeout(() => res.writeHead(200, { 'content-type': 'text/css' }).end('body { font-family: sans-serif; }'), options.slowCssMs ?? 0);
      } else if (bare === '/favicon.ico') {
        res.writeHead(404).end();
      } else if (PAGES[bare] !== undefined) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGES[bare]);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    });
  });
  return { url: server.url, seen, close: () => server.close() };
}
