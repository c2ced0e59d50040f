// The status page's script (GET /status.js): reads /stats every 5 s and
// /history every 30 s while the page is visible, and draws them. It only
// reads. Every string from the gateway goes through textContent or an
// attribute with a number: topics, payloads and errors are untrusted.
'use strict';
(() => {
  const STATS_EVERY_MS = 5000;
  const HISTORY_EVERY_MS = 30000;
  const HOUR_S = 3600;
  const DEVICE_ERRORS = ['polls_failed', 'timeouts', 'exceptions', 'bad_frames', 'link_errors', 'lines_bad',
    'commands_rejected', 'commands_failed', 'commands_expired', 'commands_unknown', 'commands_late'];

  let stats = null;    // the last /stats document
  let history = null;  // the last /history document
  let lastOk = 0;      // Date.now() of the last good /stats
  let statsTimer = 0;    // a pending setTimeout, or 0
  let historyTimer = 0;
  let statsBusy = false;  // a request is under way
  let historyBusy = false;

  // ---- small DOM helpers (textContent only) ----
  const $ = (id) => document.getElementById(id);
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent, ...children) {
    for (const c of children) if (c) parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    return parent;
  }
  function facts(pairs) {
    const dl = el('dl');
    for (const [k, v] of pairs) {
      if (v === undefined) continue;
      add(dl, el('dt', null, k), v instanceof Node ? add(el('dd'), v) : el('dd', null, v));
    }
    return dl;
  }
  function badge(text, kind) { return el('span', 'badge ' + (kind || ''), text); }

  // ---- numbers and times ----
  const int = (n) => (typeof n === 'number' && isFinite(n)) ? Math.round(n).toLocaleString('en-US') : '-';
  function duration(s) {
    if (typeof s !== 'number' || !isFinite(s)) return '-';
    s = Math.max(0, Math.round(s));
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor(s % 3600 / 60) + 'm';
    return Math.floor(s / 86400) + 'd ' + Math.floor(s % 86400 / 3600) + 'h';
  }
  function bytes(n) {
    if (typeof n !== 'number') return '-';
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }
  const parse = (t) => (typeof t === 'string' ? Date.parse(t) : NaN);
  const pad = (n) => String(n).padStart(2, '0');
  // "14:03:07 (2m 5s ago)" in the viewer's time zone; ages against the gateway's clock.
  function when(t, withAge = true) {
    const ms = parse(t);
    if (isNaN(ms)) return 'never';
    const d = new Date(ms);
    const now = parse(stats && stats.time);
    const ago = (isNaN(now) || !withAge) ? '' : ' (' + duration((now - ms) / 1000) + ' ago)';
    const day = (isNaN(now) || now - ms > 20 * 3600 * 1000)
      ? d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' : '';
    return day + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + ago;
  }

  // ---- sections ----
  function renderHeader() {
    $('title').textContent = (stats.gateway || 'edgebridge') + ' · edgebridge';
    document.title = (stats.gateway || '') + ' · edgebridge';
    const h = $('health');
    h.textContent = stats.healthy ? 'healthy' : 'unhealthy';
    h.className = 'badge ' + (stats.healthy ? 'ok' : 'bad');
  }

  function renderGateway() {
    const clock = stats.clock || {};
    const config = stats.config || {};
    const m = stats.messages || {};
    const received = m.received || {};
    $('gateway').replaceWith(Object.assign(facts([
      ['version', stats.version],
      ['up', duration(stats.uptime_s) + ', since ' + when(stats.started, false)],
      ['config', config.file || '-'],
      ['loaded', when(config.loaded)],
      ['clock', clock.ok ? add(el('span', 't-ok'), 'plausible') : add(el('span', 't-bad'), 'waiting: ' + (clock.problem || '?'))],
      ['messages in', 'local ' + int(received.local) + ' · remote ' + int(received.remote) + ' · device ' + int(received.device)],
      ['messages out', 'local ' + int(m.published_local) + ' · to outboxes ' + int(m.to_outbox) + ' · commands ' +
        int(m.device_commands) + ' · unrouted ' + int(m.unrouted)],
    ]), { id: 'gateway' }));
    $('health-text').textContent = stats.healthy ? '' : (stats.health || '').replace(/^unhealthy\n/, '');
  }

  function linkCard(label, link) {
    const online = link.state === 'connected';
    const state = { connected: 'ok', connecting: 'warn', backoff: 'bad', waiting: 'warn' }[link.state] || '';
    const card = el('div', 'card link');
    add(card, add(el('h3'), label, badge(online ? 'online' : 'offline', online ? 'ok' : 'bad')));
    const rows = [
      ['state', add(el('span', 't-' + state), link.state || '-')],
      ['since', when(link.since)],
      ['MQTT', link.mqtt || '-'],
      ['connects', int(link.connects)],
    ];
    if (link.down_since) rows.push(['down since', when(link.down_since)]);
    if (link.last_error) rows.push(['last error', link.last_error]);
    return add(card, facts(rows));
  }

  function renderLinks() {
    const box = el('div', 'cards');
    box.id = 'links';
    if (stats.local) add(box, linkCard('local broker', stats.local));
    for (const [name, r] of Object.entries(stats.remotes || {})) add(box, linkCard('remote ' + name, r));
    $('links').replaceWith(box);
  }

  function reasons(counts) {
    const parts = Object.entries(counts || {}).filter(([, n]) => n > 0).map(([k, n]) => k + ' ' + int(n));
    return parts.length ? parts.join(' · ') : 'none';
  }

  // A polyline over `spanS` seconds up to now; values scaled to the largest one.
  function chart(times, values, cls, nowS, spanS) {
    const svgNs = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('class', 'chart');
    svg.setAttribute('viewBox', '0 0 360 50');
    svg.setAttribute('preserveAspectRatio', 'none');
    const max = Math.max(1, ...values.filter((v) => typeof v === 'number'));
    const points = [];
    times.forEach((t, i) => {
      const v = values[i];
      if (typeof v !== 'number') return;
      const x = Math.max(0, 360 - (nowS - t) / spanS * 360);
      points.push(x.toFixed(1) + ',' + (48 - v / max * 46).toFixed(1));
    });
    const line = document.createElementNS(svgNs, 'polyline');
    line.setAttribute('class', cls);
    line.setAttribute('vector-effect', 'non-scaling-stroke');
    line.setAttribute('points', points.join(' '));
    svg.appendChild(line);
    return { svg, max };
  }

  function outboxCard(name, remote) {
    const o = remote.outbox || {};
    const card = el('div', 'card outbox');
    card.dataset.remote = name;
    add(card, add(el('h3'), 'remote ' + name));
    add(card, add(el('div'), el('span', 'big depth', int(o.depth)), ' waiting'));
    add(card, facts([
      ['size', bytes(o.depth_bytes)],
      ['oldest', o.depth > 0 ? duration(o.oldest_age_s) + ' old' : '-'],
      ['sent', int(o.sent)],
      ['forwarded', int(o.forwarded) + ' (acknowledged)'],
      ['dropped', reasons(o.dropped)],
      ['dead letters', int(o.dead_letters)],
    ]));
    // The last hour from /history (a point every 10 s), ending with the depth /stats has now.
    const h = (history && history.remotes && history.remotes[name]) || { t: [], depth: [], rate: [] };
    // The time axis spans the last hour, or less while the gateway has not run that long.
    const nowS = parse(stats.time) / 1000;
    const spanS = Math.min(HOUR_S, Math.max(60, h.t.length ? nowS - h.t[0] : 0));
    const depth = chart(h.t.concat([nowS]), h.depth.concat([o.depth]), 'depth', nowS, spanS);
    const rate = chart(h.t, h.rate, 'rate', nowS, spanS);
    const rates = h.rate.filter((v) => typeof v === 'number').length;
    const last = spanS >= HOUR_S ? 'last hour' : 'last ' + duration(spanS).replace(/ 0s$/, '');
    add(card, add(el('div', 'legend'), el('span', null, 'waiting, ' + last), el('span', null, 'max ' + int(depth.max))),
      depth.svg,
      add(el('div', 'legend'), el('span', null, 'forwarded per second'),
        el('span', null, rates > 1 ? 'max ' + rate.max.toFixed(1) : 'a point every 10 s')),
      rate.svg);
    return card;
  }

  function renderOutboxes() {
    const box = el('div', 'cards');
    box.id = 'outboxes';
    const remotes = Object.entries(stats.remotes || {});
    for (const [name, r] of remotes) add(box, outboxCard(name, r));
    if (!remotes.length) add(box, el('p', 'muted', 'No remotes configured.'));
    $('outboxes').replaceWith(box);
  }

  function renderDeadLetters() {
    const box = el('div', 'card');
    box.id = 'dead-letters';
    const dl = stats.dead_letters || {};
    let total = 0;
    const rows = [];
    for (const [name, r] of Object.entries(stats.remotes || {})) {
      const o = r.outbox || {};
      total += o.dead_letters || 0;
      rows.push(['remote ' + name, int(o.dead_letters) + ' kept · by reason, in all: ' + reasons(o.dead_lettered)]);
    }
    add(box, el('div', null, total ? int(total) + ' kept in the dead letters' : 'None: the remotes refused nothing.'));
    if (rows.length) add(box, facts(rows));
    if (dl.note) add(box, el('p', 'muted', dl.note));
    if (dl.newest && dl.newest.length) {
      add(box, el('div', 'muted', 'Newest:'));
      const list = el('ul', 'newest');
      for (const d of dl.newest) {
        add(list, add(el('li'), el('code', 'topic', d.topic), ' → ' + d.remote + ', ' + d.reason +
          (d.detail ? ' (' + d.detail + ')' : '') + ', ' + when(d.failed_at)));
      }
      add(box, list);
    }
    $('dead-letters').replaceWith(box);
  }

  function seen(m) {
    if (!m) return 'none yet';
    const span = el('span');
    add(span, el('code', null, m.payload), el('br'), add(el('span', 'muted'), m.topic + ' · ' + when(m.at)));
    return span;
  }

  function deviceCard(name, d) {
    const card = el('div', 'card device');
    card.dataset.device = name;
    const on = d.online;
    add(card, add(el('h3'), name, el('span', 'muted', d.type || ''),
      on === undefined ? null : badge(on ? 'online' : 'offline', on ? 'ok' : 'bad')));
    const errors = DEVICE_ERRORS.filter((k) => d[k] > 0).map((k) => k + ' ' + int(d[k]));
    const poller = d.polls_ok !== undefined || d.lines_ok !== undefined;
    const rows = [
      [poller ? 'last reading' : 'last message', seen(d.last_message)],
      ['errors', errors.length ? add(el('span', 't-bad'), errors.join(' · ')) : 'none'],
    ];
    if (d.polls_ok !== undefined) {
      const polls = (d.polls_ok || 0) + (d.polls_failed || 0);
      rows.push(['polls', int(d.polls_ok) + ' ok, ' + int(d.polls_failed) + ' failed']);
      if (d.requests !== undefined)
        rows.push(['requests/poll', polls ? (d.requests / polls).toFixed(1) : '-']);
      const ms = d.poll_latency_ms;
      rows.push(['poll latency', typeof ms === 'number' ? ms.toFixed(ms < 10 ? 1 : 0) + ' ms' : '-']);
    }
    if (d.lines_ok !== undefined) rows.push(['lines', int(d.lines_ok) + ' ok']);
    const c = d.last_command;
    rows.push(['last command', c ? add(el('span'), seen(c), el('br'), 'outcome: ' + (c.delivery || '?')) : 'none yet']);
    return add(card, facts(rows));
  }

  function renderDevices() {
    const box = el('div', 'cards');
    box.id = 'devices';
    const devices = Object.entries(stats.devices || {});
    for (const [name, d] of devices) add(box, deviceCard(name, d));
    if (!devices.length) add(box, el('p', 'muted', 'No devices configured.'));
    $('devices').replaceWith(box);
  }

  function ruleCard(name, r) {
    const card = el('div', 'card rule');
    card.dataset.rule = name;
    add(card, add(el('h3'), name, r.holding ? badge('holding', 'warn') : null));
    const rows = [
      ['last fired', when(r.last_fired)],
      ['fired', int(r.fired) + ' of ' + int(r.matched) + ' matches, ' + int(r.evaluations) + ' messages'],
    ];
    if (r.for_s) rows.push(['for', duration(r.for_s)]);
    if (r.holding) rows.push(['hold', 'since ' + when(r.holding_since) + ', fires in ' + duration(r.fires_in_s)]);
    if (r.action_errors) rows.push(['action errors', add(el('span', 't-bad'), int(r.action_errors))]);
    return add(card, facts(rows));
  }

  function renderRules() {
    const box = el('div', 'cards');
    box.id = 'rules';
    const rules = Object.entries(stats.rules || {});
    for (const [name, r] of rules) add(box, ruleCard(name, r));
    if (!rules.length) add(box, el('p', 'muted', 'No rules configured.'));
    $('rules').replaceWith(box);
  }

  function render() {
    if (!stats) return;
    renderHeader();
    renderGateway();
    renderLinks();
    renderOutboxes();
    renderDeadLetters();
    renderDevices();
    renderRules();
  }

  function showUpdated(error) {
    const u = $('updated');
    if (!error) {
      u.className = 'muted';
      u.textContent = 'updated ' + when(stats.time, false);
      return;
    }
    u.className = 'stale';
    u.textContent = 'Cannot reach the gateway (' + error + ')' +
      (lastOk ? '; showing what it said ' + duration((Date.now() - lastOk) / 1000) + ' ago' : '');
  }

  async function getJson(path) {
    const response = await fetch(path, { cache: 'no-store' });
    if (!response.ok) throw new Error(path + ' answered ' + response.status);
    return response.json();
  }

  async function refreshStats() {
    statsTimer = 0;
    statsBusy = true;
    try {
      stats = await getJson('/stats');
      lastOk = Date.now();
      render();
      showUpdated(null);
    } catch (e) {
      showUpdated(e.message || String(e));
    }
    statsBusy = false;
    if (!document.hidden) statsTimer = setTimeout(refreshStats, STATS_EVERY_MS);
  }

  async function refreshHistory() {
    historyTimer = 0;
    historyBusy = true;
    try {
      history = await getJson('/history');
      if (stats) renderOutboxes();
    } catch (e) {
      // /stats reports an unreachable gateway
    }
    historyBusy = false;
    if (!document.hidden) historyTimer = setTimeout(refreshHistory, HISTORY_EVERY_MS);
  }

  // Nothing runs while the page is hidden (a phone in a pocket, a background tab).
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      clearTimeout(statsTimer);
      clearTimeout(historyTimer);
      statsTimer = historyTimer = 0;
    } else {
      if (!statsTimer && !statsBusy) refreshStats();
      if (!historyTimer && !historyBusy) refreshHistory();
    }
  });
  refreshStats();
  refreshHistory();
})();
