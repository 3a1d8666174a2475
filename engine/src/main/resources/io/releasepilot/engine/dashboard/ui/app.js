// Release Pilot dashboard. Every piece of data reaches the page through textContent, text nodes or
// attribute setters: never through innerHTML, so a hostile release name or reason stays text.
'use strict';

(function () {
  const TOKEN_KEY = 'release-pilot-token';
  const POLL_MS = 15000;
  const state = { summaryEtag: null, feedEtag: null, historyService: null, historyBefore: null, firstRender: true };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function $(id) { return document.getElementById(id); }

  function headers() {
    const h = { Accept: 'application/json' };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) h.Authorization = 'Bearer ' + token;
    return h;
  }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function getJson(path) {
    const response = await fetch(path, { headers: headers(), cache: 'no-cache' });
    const etag = response.headers.get('ETag');
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const message = body && body.error ? body.error.message : 'HTTP ' + response.status;
      throw new ApiError(response.status, message);
    }
    return { body, etag };
  }

  function showProblem(error) {
    const box = $('problem');
    if (error instanceof ApiError && error.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('auth').hidden = false;
      box.hidden = true;
      $('auth-token').focus();
      return;
    }
    box.textContent = 'The dashboard could not read the audit trail: ' + error.message;
    box.hidden = false;
  }

  // ---- formatting ----
  function ago(iso) {
    if (!iso) return '';
    const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    return duration(seconds) + ' ago';
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    if (seconds < 60) return Math.round(seconds) + ' s';
    if (seconds < 3600) return Math.round(seconds / 60) + ' min';
    if (seconds < 86400) return (seconds / 3600).toFixed(1).replace(/\.0$/, '') + ' h';
    return (seconds / 86400).toFixed(1).replace(/\.0$/, '') + ' d';
  }

  function shortImage(image) {
    if (!image) return '';
    const at = image.lastIndexOf('@');
    if (at >= 0) {
      const digest = image.substring(at + 1);
      const colon = digest.indexOf(':');
      return digest.substring(0, colon + 1 + 12);
    }
    return image.length > 40 ? image.substring(0, 39) + '…' : image;
  }

  function timeNode(iso, className) {
    const t = el('time', className, ago(iso));
    if (iso) {
      t.dateTime = iso;
      t.title = iso;
    }
    return t;
  }

  /** The build that did it: a link when the origin is a web address, text otherwise. */
  function originNode(origin) {
    if (origin && /^https?:\/\//i.test(origin)) {
      const a = el('a', 'origin', origin.replace(/^https?:\/\//i, ''));
      a.href = origin;
      a.rel = 'noopener noreferrer';
      return a;
    }
    return el('bdi', 'origin', origin || '');
  }

  // ---- verification badge ----
  function renderVerification(v, records) {
    const badge = $('verification');
    badge.className = 'badge';
    if (v.state === 'INTACT') {
      badge.classList.add('badge-ok');
      badge.textContent = '✓ Audit trail intact · ' + v.records.toLocaleString('en') + ' records verified'
        + (v.signaturesChecked ? ' with signatures' : '');
      badge.title = 'Checked ' + v.checkedAt;
    } else if (v.state === 'FAILED') {
      badge.classList.add('badge-bad');
      badge.textContent = '✗ Audit trail FAILED verification'
        + (v.problem && v.problem.seq ? ' at record ' + v.problem.seq : '') + ': ' + (v.problem ? v.problem.message : '');
    } else if (v.state === 'ERROR') {
      badge.classList.add('badge-bad');
      badge.textContent = 'Audit trail could not be verified: ' + (v.error || 'unknown error');
    } else {
      badge.classList.add('badge-pending');
      badge.textContent = 'Verifying ' + records.toLocaleString('en') + ' audit records…';
    }
  }

  // ---- DORA ----
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

  function card(title, figure, note) {
    const c = el('div', 'card');
    c.append(el('h3', null, title), el('p', 'figure', figure), el('p', 'note', note));
    return c;
  }

  function renderDora(d) {
    const days = Math.round(d.windowDays);
    $('dora-title').textContent = 'Delivery performance in ' + d.environment + ', last ' + days + ' days';
    const f = d.deploymentFrequency;
    const cfr = d.changeFailureRate;
    const restore = d.timeToRestore;
    const lead = d.leadTime;
    const box = $('dora');
    box.replaceChildren(
      card('Deployment frequency', f.perDay >= 1 ? f.perDay.toFixed(1) + ' / day' : (f.perDay * 7).toFixed(1) + ' / week',
        plural(f.deployments, 'deployment')),
      card('Change failure rate', cfr.rate === null ? '—' : Math.round(cfr.rate * 100) + ' %',
        cfr.failed + ' of ' + plural(cfr.changes, 'change') + ' rolled back'),
      card('Time to restore', duration(restore.medianSeconds),
        restore.restores ? 'median of ' + plural(restore.restores, 'rollback') : 'no rollback'),
      card('Lead time', duration(lead.medianSeconds),
        lead.deployments ? 'median, image build → ' + d.environment + ' (' + lead.deployments + ')' : 'no build recorded before a deployment'));
  }

  // ---- matrix ----
  function renderMatrix(summary) {
    const empty = summary.cells.length === 0;
    $('empty').hidden = !empty;
    $('matrix').hidden = empty;
    $('legend').hidden = empty;
    const head = $('matrix-head');
    const headCells = [el('th', null, 'Service')];
    headCells[0].scope = 'col';
    for (const env of summary.environments) {
      const th = el('th', null, env);
      th.scope = 'col';
      headCells.push(th);
    }
    head.replaceChildren(...headCells);

    const byKey = new Map();
    for (const c of summary.cells) byKey.set(c.service + '\u0000' + c.environment, c);
    const rows = [];
    for (const service of summary.services) {
      const tr = el('tr');
      const th = el('th');
      th.scope = 'row';
      const button = el('button', 'service', service);
      button.type = 'button';
      button.dataset.service = service;
      button.setAttribute('aria-label', 'History of ' + service);
      button.addEventListener('click', () => openHistory(service));
      th.append(button);
      tr.append(th);
      for (const env of summary.environments) {
        tr.append(cellNode(byKey.get(service + '\u0000' + env)));
      }
      rows.push(tr);
    }
    $('matrix-body').replaceChildren(...rows);
  }

  function cellNode(c) {
    const td = el('td', 'cell');
    if (!c) {
      td.classList.add('cell-empty');
      td.textContent = '—';
      return td;
    }
    td.dataset.service = c.service;
    td.dataset.environment = c.environment;
    const lastFailed = c.last && c.last.outcome !== 'SUCCEEDED';
    td.classList.add(lastFailed ? 'cell-failed' : c.canary ? 'cell-canary' : c.release || c.image ? 'cell-stable' : 'cell-other');
    if (c.release || c.image) {
      td.append(el('bdi', 'release', c.release || 'release name not recorded'));
      const digest = el('span', 'digest mono', shortImage(c.image));
      if (c.image) digest.title = c.image;
      td.append(digest);
    } else {
      td.append(el('span', 'release muted', 'no stable release recorded'));
    }
    if (c.canary) {
      const weight = c.canary.weight === null ? '?' : c.canary.weight;
      const asked = c.canary.askedWeight == null ? '' : ' (' + c.canary.askedWeight + '% asked)';
      const canary = el('span', 'canary', 'canary ' + weight + '%' + asked + (c.canary.release ? ' → ' : ''));
      if (c.canary.release) canary.append(el('bdi', null, c.canary.release));
      if (c.canary.image) canary.title = c.canary.image;
      td.append(canary);
    }
    const meta = el('span', 'meta');
    meta.append(timeNode(c.since), document.createTextNode(' by '), el('bdi', 'actor', c.byActor || ''),
      document.createTextNode(' · '), originNode(c.byOrigin));
    td.append(meta);
    if (lastFailed) {
      const line = el('span', 'alert-line', '⚠ ' + c.last.action + ' ' + c.last.outcome + ' ');
      line.append(timeNode(c.last.time));
      if (c.last.reason) {
        line.append(document.createTextNode(': '), el('bdi', 'reason', c.last.reason));
      }
      td.append(line);
    }
    return td;
  }

  // ---- records (history, feed) ----
  function actNode(r) {
    return el('span', 'act act-' + r.action, r.action.replace(/_/g, ' ').toLowerCase());
  }

  function historyRow(r) {
    const tr = el('tr');
    const outcome = r.outcome === 'SUCCEEDED' ? '' : ' ' + r.outcome;
    const act = el('td');
    act.append(actNode(r));
    if (outcome) act.append(el('span', 'outcome-' + r.outcome, outcome));
    const image = el('td', 'mono', shortImage(r.image));
    if (r.image) image.title = r.image;
    const by = el('td');
    by.append(el('bdi', 'actor', r.actor), document.createTextNode(' · '), originNode(r.origin));
    const when = el('td');
    when.append(timeNode(r.time));
    tr.append(el('td', 'mono', r.seq), when, act, el('td', null, r.environment || '—'),
      el('td', 'text', r.release || ''), image, by, el('td', 'text', r.reason || ''));
    return tr;
  }

  async function openHistory(service) {
    state.historyService = service;
    state.historyBefore = null;
    $('history-body').replaceChildren();
    $('history-title').textContent = 'History of ' + service;
    $('history-section').hidden = false;
    await loadHistory();
    $('history-title').focus();
  }

  async function loadHistory() {
    const service = state.historyService;
    let path = 'api/v1/services/' + encodeURIComponent(service) + '/history?limit=50';
    if (state.historyBefore !== null) path += '&before=' + state.historyBefore;
    try {
      const { body } = await getJson(path);
      for (const r of body.records) $('history-body').append(historyRow(r));
      state.historyBefore = body.nextBefore;
      $('history-older').hidden = body.nextBefore === null;
    } catch (e) {
      showProblem(e);
    }
  }

  function feedItem(r) {
    const li = el('li');
    const when = el('span', 'when');
    when.append(timeNode(r.time));
    li.append(when, actNode(r));
    if (r.outcome !== 'SUCCEEDED') li.append(el('span', 'outcome-' + r.outcome, r.outcome));
    li.append(el('strong', null, r.service));
    if (r.environment) li.append(el('span', null, 'in ' + r.environment));
    if (r.release) li.append(el('bdi', 'text', r.release));
    const by = el('span', 'muted', 'by ');
    by.append(el('bdi', 'actor', r.actor), document.createTextNode(' · '), originNode(r.origin));
    li.append(by);
    if (r.reason) li.append(el('bdi', 'reason', r.reason));
    return li;
  }

  // ---- loading ----
  async function refresh() {
    try {
      const summary = await getJson('api/v1/summary');
      $('auth').hidden = true;
      $('problem').hidden = true;
      if (summary.etag === null || summary.etag !== state.summaryEtag) {
        state.summaryEtag = summary.etag;
        renderVerification(summary.body.verification, summary.body.records);
        renderDora(summary.body.dora);
        renderMatrix(summary.body);
        if (state.firstRender) {
          // When the matrix first appeared, from navigation start: read by `release-pilot bench dashboard`.
          document.documentElement.dataset.renderedMs = performance.now().toFixed(1);
        }
      }
      const feed = await getJson('api/v1/feed?limit=30');
      if (feed.etag === null || feed.etag !== state.feedEtag) {
        state.feedEtag = feed.etag;
        $('feed').replaceChildren(...feed.body.records.map(feedItem));
      }
      $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString('en-GB') + ' · refreshes every 15 s';
      if (state.firstRender) {
        state.firstRender = false;
        document.body.dataset.state = 'ready';
      }
    } catch (e) {
      showProblem(e);
      document.body.dataset.state = 'error';
    }
  }

  function start() {
    $('auth-form').addEventListener('submit', (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('auth-token').value.trim());
      $('auth-token').value = '';
      refresh();
    });
    $('history-close').addEventListener('click', () => {
      $('history-section').hidden = true;
      const button = document.querySelector('button.service[data-service="' + CSS.escape(state.historyService || '') + '"]');
      if (button) button.focus();
    });
    $('history-older').addEventListener('click', loadHistory);
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !$('history-section').hidden) $('history-close').click();
    });
    refresh();
    setInterval(refresh, POLL_MS);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
