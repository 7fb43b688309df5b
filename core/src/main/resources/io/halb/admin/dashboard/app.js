// halb's dashboard: polls the admin API once a second for numbers and follows its server-sent
// events to refresh at once when something changes. No framework, nothing fetched from elsewhere.
//
// Token: when the API answers 401, the page shows an inline form, keeps the token in
// sessionStorage (this tab only) and retries. The event stream is read with fetch() rather than
// EventSource because EventSource cannot send an Authorization header; that keeps the token out
// of URLs (and so out of access logs and browser history).
'use strict';

(() => {
  const API = '/api/v1';
  const POLL_MILLIS = 1000;
  const REQUEST_TIMEOUT_MILLIS = 5000;
  const SAMPLES = 60;
  const MAX_EVENTS = 50;
  const TOKEN_KEY = 'halb.adminToken';
  const STATES = ['ready', 'drain', 'maint'];

  const $ = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat('en');
  const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  // Actions that were refused for want of a token; run again once one is entered.
  const waitingForToken = [];
  // pool/server -> {requests, at, rps: [], latency: []}
  const history = new Map();
  let pollTimer = 0;
  let polling = false;
  let streamLive = false;
  let streamAbort = null;

  class Unauthorized extends Error {
    constructor(message, refused) {
      super(message);
      this.refused = refused; // a token was sent and the API did not accept it
    }
  }

  // ---------------------------------------------------------------------------------------- API

  async function api(path, options = {}) {
    const headers = Object.assign({ Accept: 'application/json' }, options.headers);
    if (token) headers.Authorization = 'Bearer ' + token;
    // A request that never answers must not freeze the page: the next poll tries again.
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS);
    const res = await fetch(API + path, Object.assign({}, options, { headers, cache: 'no-store', signal }));
    if (res.status === 401) throw new Unauthorized(await errorText(res), !!headers.Authorization);
    if (!res.ok) throw new Error(`${res.status} ${await errorText(res)}`);
    const type = res.headers.get('Content-Type') || '';
    return type.includes('json') ? camel(await res.json()) : res.text();
  }

  // The API writes snake_case names (base_weight, response_millis), like the configuration file;
  // the page reads camelCase, so it works with either.
  function camel(value) {
    if (Array.isArray(value)) return value.map(camel);
    if (value === null || typeof value !== 'object') return value;
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k.replace(/_([a-z0-9])/g, (m, c) => c.toUpperCase())] = camel(v);
    return out;
  }

  async function errorText(res) {
    const text = (await res.text().catch(() => '')).trim();
    try {
      const json = JSON.parse(text);
      return json.error || json.message || text;
    } catch (e) {
      return text || res.statusText;
    }
  }

  // Shows the token form; `retry` runs once a token has been entered.
  function askForToken(error, retry) {
    if (retry) waitingForToken.push(retry);
    if (error.refused) {
      // Forget a token the API refused (a stale one from this tab, or a typo).
      token = '';
      sessionStorage.removeItem(TOKEN_KEY);
    }
    const form = $('token-form');
    if (form.hidden || error.refused) {
      $('token-label').textContent = error.refused
        ? 'That token was refused. Enter the admin token:'
        : 'This halb needs its admin token.';
      form.dataset.refused = String(!!error.refused);
    }
    if (form.hidden) {
      form.hidden = false;
      $('token-input').focus();
    }
  }

  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = $('token-input').value.trim();
    if (!value) return;
    token = value;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token-input').value = '';
    $('token-form').hidden = true;
    waitingForToken.splice(0).forEach((retry) => retry());
    restartStream();
    pollNow();
  });

  // --------------------------------------------------------------------------------- polling

  function pollNow() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, 0);
  }

  async function poll() {
    if (polling) return;
    polling = true;
    try {
      const [status, pools] = await Promise.all([api('/status'), api('/pools')]);
      renderStatus(status);
      renderPools(pools);
      renderCluster(status);
      setLive(streamLive ? 'live' : 'polling');
    } catch (e) {
      if (e instanceof Unauthorized) {
        askForToken(e, null);
        setLive('locked');
      } else {
        setLive('offline', e.message);
      }
    } finally {
      polling = false;
      clearTimeout(pollTimer);
      pollTimer = setTimeout(poll, POLL_MILLIS);
    }
  }

  function setLive(state, why) {
    const el = $('live');
    const text = {
      live: 'live',
      polling: 'live (polling)',
      locked: 'needs token',
      offline: 'unreachable',
      connecting: 'connecting…',
    }[state];
    el.dataset.live = state;
    el.textContent = text;
    el.title = why || '';
  }

  // ------------------------------------------------------------------------------- rendering

  function renderStatus(s) {
    $('status-version').textContent = s.version || '–';
    $('status-uptime').textContent = duration(s.uptimeMillis);
    $('status-uptime').title = s.startedMillis ? 'since ' + new Date(s.startedMillis).toLocaleString() : '';
    $('status-node').textContent = s.node || '–';
    $('status-role').textContent = s.role || '–';
    $('status-transport').textContent = s.transport
      ? s.transport + (s.eventLoops ? ` × ${s.eventLoops}` : '')
      : '–';
    $('status-connections').textContent = number.format(s.openConnections || 0);
    $('status-requests').textContent = number.format(s.requestsTotal || 0);
  }

  function renderCluster(s) {
    const box = $('cluster');
    const role = s.role || 'standalone';
    const vips = Array.isArray(s.vips) ? s.vips : [];
    box.replaceChildren();
    const p = el('p', { class: 'role', 'data-testid': 'cluster-role', 'data-role': role });
    if (role === 'standalone') {
      p.append(el('strong', {}, 'Standalone'), ': a single node, no peers, no virtual IPs.');
    } else {
      p.append('This node (', el('strong', {}, s.node || '?'), ') is ', el('strong', {}, role), '.');
    }
    box.append(p);
    if (vips.length) {
      const table = el('table', { class: 'vips' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'VIP'), el('th', { scope: 'col' }, 'Held by'))));
      const body = el('tbody');
      for (const v of vips) {
        body.append(el('tr', { 'data-testid': 'vip-' + v.address },
          el('td', {}, v.address || ''), el('td', {}, v.owner || 'nobody')));
      }
      table.append(body);
      box.append(table);
    }
  }

  function renderPools(pools) {
    const box = $('pools');
    const now = performance.now();
    const seen = new Set();
    box.querySelector(':scope > .empty')?.remove();
    if (!pools.length) {
      box.replaceChildren(el('p', { class: 'empty' }, 'No pools configured.'));
      return;
    }
    let previous = null;
    for (const pool of pools) {
      const id = 'pool-' + pool.name;
      seen.add(id);
      let card = box.querySelector(`:scope > [data-testid="${cssEscape(id)}"]`);
      if (!card) card = poolCard(pool);
      // Keep the API's order without re-creating cards (buttons stay the same elements).
      if (previous ? previous.nextElementSibling !== card : box.firstElementChild !== card) {
        if (previous) previous.after(card); else box.prepend(card);
      }
      previous = card;
      updatePool(card, pool, now);
    }
    for (const card of [...box.children]) {
      if (!seen.has(card.dataset.testid)) card.remove();
    }
    for (const key of [...history.keys()]) {
      const [p, s] = key.split('/');
      if (!pools.some((pool) => pool.name === p && pool.servers.some((x) => x.name === s))) history.delete(key);
    }
  }

  function poolCard(pool) {
    const body = el('tbody');
    const card = el('article', { class: 'card pool', 'data-testid': 'pool-' + pool.name, 'aria-label': 'pool ' + pool.name },
      el('header', {},
        el('h3', {}, pool.name),
        el('p', { class: 'meta' })),
      el('div', { class: 'scroll' },
        el('table', {},
          el('thead', {}, el('tr', {},
            el('th', { scope: 'col' }, 'Server'),
            el('th', { scope: 'col' }, 'State'),
            el('th', { scope: 'col', class: 'num' }, 'Weight'),
            el('th', { scope: 'col', class: 'num' }, 'In flight'),
            el('th', { scope: 'col', class: 'spark-head' }, 'Requests/s'),
            el('th', { scope: 'col', class: 'spark-head' }, 'Latency'),
            el('th', { scope: 'col', class: 'num' }, 'Errors'),
            el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')))),
          body)));
    return card;
  }

  function updatePool(card, pool, now) {
    const meta = [pool.algorithm, 'health ' + (pool.health || 'none')];
    if (pool.persistence && pool.persistence !== 'none') meta.push('persistence ' + pool.persistence);
    if (pool.retries) meta.push(pool.retries + (pool.retries === 1 ? ' retry' : ' retries'));
    if (pool.queued) meta.push(number.format(pool.queued) + ' queued');
    setText(card.querySelector('.meta'), meta.join(' · '));
    const body = card.querySelector('tbody');
    const seen = new Set();
    let previous = null;
    for (const server of pool.servers) {
      const id = `server-${pool.name}-${server.name}`;
      seen.add(id);
      let row = body.querySelector(`:scope > [data-testid="${cssEscape(id)}"]`);
      if (!row) row = serverRow(pool.name, server.name);
      if (previous ? previous.nextElementSibling !== row : body.firstElementChild !== row) {
        if (previous) previous.after(row); else body.prepend(row);
      }
      previous = row;
      updateServer(row, pool.name, server, now);
    }
    for (const row of [...body.children]) {
      if (!seen.has(row.dataset.testid)) row.remove();
    }
  }

  function serverRow(pool, name) {
    const key = `${pool}-${name}`;
    const buttons = el('div', { class: 'actions', role: 'group', 'aria-label': `set ${pool}/${name}` });
    for (const state of STATES) {
      const b = el('button', {
        type: 'button', class: 'act act-' + state, 'data-testid': `${state}-${key}`,
        'aria-label': `${label(state)} ${pool}/${name}`,
      }, label(state));
      b.addEventListener('click', () => setState(pool, name, state, b));
      buttons.append(b);
    }
    return el('tr', { 'data-testid': 'server-' + key },
      el('th', { scope: 'row', class: 'name' },
        el('span', { class: 'server-name' }, name),
        el('span', { class: 'address' })),
      el('td', { class: 'state' },
        el('span', { class: 'badge', 'data-testid': 'state-' + key }),
        el('span', { class: 'flags' }),
        el('span', { class: 'check' })),
      el('td', { class: 'num weight' }, el('span', { class: 'value' }), el('span', { class: 'ramp' })),
      el('td', { class: 'num inflight' }),
      el('td', { class: 'spark-cell' }, el('span', { class: 'value rps' }),
        el('canvas', { class: 'spark spark-rps', width: 80, height: 24, 'aria-hidden': 'true' })),
      el('td', { class: 'spark-cell' }, el('span', { class: 'value latency' }),
        el('canvas', { class: 'spark spark-latency', width: 80, height: 24, 'aria-hidden': 'true' })),
      el('td', { class: 'num errors' }),
      el('td', {}, buttons));
  }

  function updateServer(row, pool, s, now) {
    const key = `${pool}/${s.name}`;
    let h = history.get(key);
    if (!h) {
      h = { requests: s.requests, at: now, rps: [], latency: [] };
      history.set(key, h);
    } else if (now - h.at >= 250) {
      // A counter that went down was reset (server re-added): start over rather than go negative.
      const delta = Math.max(0, s.requests - h.requests);
      push(h.rps, (delta * 1000) / (now - h.at));
      push(h.latency, s.responseMillis || 0);
      h.requests = s.requests;
      h.at = now;
    }

    row.dataset.state = s.state;
    row.dataset.adminState = s.adminState;
    row.classList.toggle('is-backup', !!s.backup);

    setText(row.querySelector('.address'), s.address);

    const badge = row.querySelector('.badge');
    badge.dataset.state = s.state;
    badge.className = 'badge state-' + s.state;
    setText(badge, s.state);
    badge.title = stateTitle(s);

    const flags = [];
    if (s.ejected) flags.push(['ejected', 'ejected by outlier detection (too many failures in a row)']);
    if (!s.healthy) flags.push(['checks failing', 'the active health checks fail']);
    if (s.adminState && s.adminState !== 'ready' && s.adminState !== s.state) {
      flags.push(['set ' + s.adminState, 'operator or agent state']);
    }
    const flagBox = row.querySelector('.flags');
    const flagText = flags.map((f) => f[0]).join('|');
    if (flagBox.dataset.flags !== flagText) {
      flagBox.dataset.flags = flagText;
      flagBox.replaceChildren(...flags.map(([text, title]) => el('span', { class: 'flag', title }, text)));
    }
    row.dataset.ejected = String(!!s.ejected);
    row.dataset.healthy = String(!!s.healthy);
    setText(row.querySelector('.check'), !s.healthy && s.lastCheck ? s.lastCheck : '');

    const weight = row.querySelector('.weight');
    const warming = s.rampPercent > 0 && s.rampPercent < 100;
    setText(weight.querySelector('.value'), s.weight === s.baseWeight ? String(s.weight) : `${s.weight} of ${s.baseWeight}`);
    setText(weight.querySelector('.ramp'), warming ? `warming ${s.rampPercent}%` : '');

    setText(row.querySelector('.inflight'),
      number.format(s.inFlight) + (s.maxConnections > 0 ? ' / ' + number.format(s.maxConnections) : ''));
    setText(row.querySelector('.rps'), h.rps.length ? decimal.format(last(h.rps)) : '–');
    setText(row.querySelector('.latency'), s.requests > 0 ? millis(s.responseMillis) : '–');
    const errors = row.querySelector('.errors');
    setText(errors, number.format(s.failures));
    errors.classList.toggle('bad', s.failures > 0);

    for (const b of row.querySelectorAll('.act')) {
      const current = b.dataset.testid.startsWith(s.adminState + '-');
      b.setAttribute('aria-pressed', String(current));
    }
    sparkline(row.querySelector('.spark-rps'), h.rps, 'rps');
    sparkline(row.querySelector('.spark-latency'), h.latency, 'latency');
  }

  function stateTitle(s) {
    switch (s.state) {
      case 'up': return 'up: takes new requests';
      case 'drain': return 'drain: only requests pinned by persistence; in-flight ones finish';
      case 'maint': return 'maint: taken out by an operator';
      case 'down': return 'down: ' + (s.ejected ? 'ejected' : s.lastCheck || 'failed its checks');
      default: return s.state;
    }
  }

  // ------------------------------------------------------------------------------- sparklines

  function sparkline(canvas, values, kind) {
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = canvas.clientWidth || 80;
    const cssHeight = canvas.clientHeight || 24;
    if (canvas.width !== Math.round(cssWidth * ratio)) {
      canvas.width = Math.round(cssWidth * ratio);
      canvas.height = Math.round(cssHeight * ratio);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, cssWidth, cssHeight);
    canvas.dataset.samples = String(values.length);
    if (values.length < 2) return;
    const style = getComputedStyle(canvas);
    const colour = style.getPropertyValue(kind === 'rps' ? '--spark-rps' : '--spark-latency').trim() || '#2563eb';
    const max = Math.max(...values) || 1;
    const step = cssWidth / (SAMPLES - 1);
    const x0 = cssWidth - (values.length - 1) * step;
    const y = (v) => cssHeight - 2 - (v / max) * (cssHeight - 4);
    ctx.beginPath();
    values.forEach((v, i) => (i ? ctx.lineTo(x0 + i * step, y(v)) : ctx.moveTo(x0, y(v))));
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = colour;
    ctx.lineJoin = 'round';
    ctx.stroke();
    ctx.lineTo(x0 + (values.length - 1) * step, cssHeight);
    ctx.lineTo(x0, cssHeight);
    ctx.closePath();
    ctx.globalAlpha = 0.15;
    ctx.fillStyle = colour;
    ctx.fill();
    ctx.globalAlpha = 1;
    canvas.title = `${kind === 'rps' ? 'requests/s' : 'latency ms'}, last ${values.length} s, max ${decimal.format(max)}`;
  }

  // ---------------------------------------------------------------------------------- actions

  async function setState(pool, server, state, button) {
    button.disabled = true;
    try {
      await api(`/pools/${encodeURIComponent(pool)}/servers/${encodeURIComponent(server)}/state`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ state }),
      });
      hideNotice();
      pollNow();
    } catch (e) {
      if (e instanceof Unauthorized) {
        askForToken(e, () => setState(pool, server, state, button));
      } else {
        showNotice(`Could not set ${pool}/${server} to ${state}: ${e.message}`);
      }
    } finally {
      button.disabled = false;
    }
  }

  function showNotice(text) {
    const n = $('notice');
    n.textContent = text;
    n.hidden = false;
  }

  function hideNotice() {
    $('notice').hidden = true;
  }

  // ----------------------------------------------------------------------------------- events

  // Server-sent events over fetch: "event: <type>" and "data: <AdminEvent json>" lines, a blank
  // line ends an event (https://html.spec.whatwg.org/multipage/server-sent-events.html).
  async function stream() {
    const abort = new AbortController();
    streamAbort = abort;
    let retryMillis = 2000;
    try {
      const headers = { Accept: 'text/event-stream' };
      if (token) headers.Authorization = 'Bearer ' + token;
      const res = await fetch(API + '/events', { headers, signal: abort.signal, cache: 'no-store' });
      if (res.status === 401) {
        // The poll asks for the token; the stream starts again once there is one.
        streamAbort = null;
        return;
      }
      if (!res.ok || !res.body) throw new Error('events: ' + res.status);
      streamLive = true;
      setLive('live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + buffer.slice(end).match(/^\r?\n\r?\n/)[0].length);
          const retry = dispatch(block);
          if (retry) retryMillis = retry;
        }
      }
    } catch (e) {
      if (abort.signal.aborted) return;
    } finally {
      if (streamAbort === abort) streamAbort = null;
      streamLive = false;
    }
    if (!abort.signal.aborted) setTimeout(() => { if (!streamAbort) stream(); }, retryMillis);
  }

  function restartStream() {
    if (streamAbort) streamAbort.abort();
    streamAbort = null;
    streamLive = false;
    stream();
  }

  function dispatch(block) {
    let type = 'message';
    const data = [];
    let retry = 0;
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
    }
    if (data.length) {
      let event;
      try {
        event = camel(JSON.parse(data.join('\n')));
      } catch (e) {
        event = { type, detail: data.join('\n') };
      }
      logEvent(Object.assign({ type }, event));
      pollNow();
    }
    return retry;
  }

  function logEvent(e) {
    const list = $('events');
    const time = new Date(e.timeMillis || Date.now());
    const subject = [e.pool, e.server].filter(Boolean).join('/') || (e.type || '').replace(/_/g, ' ');
    const item = el('li', { 'data-type': e.type || 'message' },
      el('time', { datetime: time.toISOString() }, clock(time)),
      ' ',
      subject ? el('span', { class: 'subject' }, subject) : '',
      subject ? ' ' : '',
      el('span', { class: 'detail' }, e.detail || e.type || ''));
    item.title = e.type || '';
    list.prepend(item);
    while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
    $('events-empty').hidden = true;
  }

  // ------------------------------------------------------------------------------------ bits

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'class') node.className = v;
      else node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function push(list, v) {
    list.push(v);
    if (list.length > SAMPLES) list.shift();
  }

  function last(list) {
    return list[list.length - 1];
  }

  function label(state) {
    return state.charAt(0).toUpperCase() + state.slice(1);
  }

  function cssEscape(s) {
    return window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, '\\$&');
  }

  function millis(ms) {
    if (!(ms > 0)) return '0 ms';
    if (ms < 10) return decimal.format(ms) + ' ms';
    if (ms < 10000) return number.format(Math.round(ms)) + ' ms';
    return decimal.format(ms / 1000) + ' s';
  }

  function duration(ms) {
    if (!(ms >= 0)) return '–';
    let s = Math.floor(ms / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    if (d) return `${d}d ${h}h`;
    if (h) return `${h}h ${m}m`;
    if (m) return `${m}m ${s}s`;
    return `${s}s`;
  }

  function clock(date) {
    const two = (n) => String(n).padStart(2, '0');
    return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  }

  setLive('connecting');
  poll();
  stream();
})();
