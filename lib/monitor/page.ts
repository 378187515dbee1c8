// The status page: server-rendered HTML (readable without JavaScript), refreshed live by a
// few lines of script that listen to Server-Sent Events and swap only the cards that changed.
// No external assets: styles, script and charts are inline.
import { resolveSettings } from '../config/resolve.js';
import type { Fleet } from '../model/fleet.js';
import { escapeHtml, latencyChartSvg, timelineSvg } from './chart.js';
import type { CheckState, CheckStatus, StatusSnapshot } from './status.js';

/** Without JavaScript the page reloads itself this often (a meta refresh inside noscript). */
export const NO_SCRIPT_REFRESH_S = 30;

const STATE_LABEL: Record<CheckState, string> = { passing: 'Passing', degraded: 'Slow', failing: 'Failing', pending: 'Waiting for first run' };
const ALARM_LABEL: Record<string, string> = { OK: 'Alarm OK', ALARM: 'In alarm', INSUFFICIENT_DATA: 'Alarm: not enough data' };

function pct(value: number | null): string {
  if (value === null) return '—';
  const p = value * 100;
  return `${p === 100 ? '100' : p >= 99.95 ? '99.9' : p.toFixed(1)}%`;
}

/** `over 3 h` while the figure covers less than its window (a young monitor); nothing once full. */
export function coverage(coveredMs: number | null, windowMs: number): string {
  // Within one percent counts as full: retention prunes the oldest run a schedule period early.
  if (coveredMs === null || coveredMs >= windowMs * 0.99) return '';
  const s = Math.round(coveredMs / 1000);
  const span = s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : s < 48 * 3600 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 86400)} d`;
  return ` <span class="over">over ${span}</span>`;
}

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** `10:04:00 UTC (6m ago)` */
function at(iso: string, now: number): string {
  return `<time datetime="${iso}">${iso.slice(11, 19)} UTC</time> (${ago(iso, now)})`;
}

/** `in 40s` / `in 3m`: when something will happen. */
function inTime(iso: string, now: number): string {
  const s = Math.max(0, Math.round((Date.parse(iso) - now) / 1000));
  return s < 60 ? `in ${s}s` : s < 3600 ? `in ${Math.floor(s / 60)}m` : `in ${Math.floor(s / 3600)}h`;
}

/** What the page leads with: every failing check, the longest failing first, since when and why. */
function failingNow(s: StatusSnapshot, now: number): string {
  if (s.failing.length === 0) return '';
  return `<section id="failing-now" class="failing-now" aria-labelledby="failing-title">
<h2 id="failing-title">Failing now (${s.failing.length})</h2>
<ol>${s.failing
    .map(
      (f) => `<li><a href="#check-${escapeHtml(f.target)}">${escapeHtml(f.name)}</a> <span class="muted">${escapeHtml(f.service)} · ${escapeHtml(f.severity)} · failing since ${f.since ? at(f.since, now) : 'unknown'}</span>${f.reason ? `<p class="reason">${escapeHtml(f.reason)}</p>` : ''}</li>`,
    )
    .join('')}</ol>
</section>`;
}

function certClass(days: number | null): string {
  if (days === null) return '';
  return days < 7 ? 'bad' : days < 21 ? 'warn' : 'good';
}

function checkCard(c: CheckStatus, now: number, maxMs: number | null): string {
  const failures = c.recentFailures.length
    ? `<details id="failures-${escapeHtml(c.target)}"><summary>Recent failures (${c.recentFailures.length})</summary><ol class="failures">${c.recentFailures
        .map((f) => `<li><time datetime="${f.at}">${escapeHtml(f.at.replace('T', ' ').slice(0, 19))}</time> <code>${escapeHtml(f.kind)}</code>${f.step ? ` step “${escapeHtml(f.step)}”` : ''}<p>${escapeHtml(f.message)}</p></li>`)
        .join('')}</ol></details>`
    : '<p class="muted">No failures recorded.</p>';
  const last = c.lastRun
    ? `<time datetime="${c.lastRun.at}">${ago(c.lastRun.at, now)}</time>, ${c.lastRun.durationMs} ms${c.lastRun.status !== null ? `, HTTP ${c.lastRun.status}` : ''}`
    : 'not yet';
  return `<article class="card state-${c.state}" id="check-${escapeHtml(c.target)}" data-target="${escapeHtml(c.target)}" aria-labelledby="title-${escapeHtml(c.target)}">
<header class="card-head">
<h3 id="title-${escapeHtml(c.target)}">${escapeHtml(c.name)}</h3>
<span class="badge badge-${c.state}"><span class="dot" aria-hidden="true"></span>${STATE_LABEL[c.state]}</span>
</header>
<p class="meta"><code>${escapeHtml(c.target)}</code> · ${escapeHtml(c.kind)} · ${escapeHtml(c.environment)} · every ${escapeHtml(c.schedule)} · <span class="alarm alarm-${c.alarm}">${ALARM_LABEL[c.alarm] ?? c.alarm}</span></p>
${c.state === 'failing' && c.failingSince ? `<p class="since">Failing since ${at(c.failingSince, now)}</p>` : ''}
${c.state === 'failing' && c.lastRun?.message ? `<p class="reason" role="note">${escapeHtml(c.lastRun.message)}</p>` : ''}
${c.state === 'pending' && c.nextRunAt ? `<p class="since">First run at <time datetime="${c.nextRunAt}">${c.nextRunAt.slice(11, 19)} UTC</time> (${inTime(c.nextRunAt, now)})</p>` : ''}
<figure class="timeline-wrap">${timelineSvg(c.timeline, `${c.name} up/down`)}<figcaption>Up/down, ${c.timeline[0] ? `since <time datetime="${new Date(c.timeline[0].t).toISOString()}">${new Date(c.timeline[0].t).toISOString().slice(11, 16)} UTC</time>` : 'no runs yet'} · uptime 24&nbsp;h ${pct(c.uptime24h)}</figcaption></figure>
${c.state === 'passing' || c.state === 'pending' ? `<details class="more" id="more-${escapeHtml(c.target)}"><summary>Details</summary>` : ''}
<dl class="stats">
<div><dt>Uptime 24&nbsp;h</dt><dd>${pct(c.uptime24h)}${coverage(c.uptime24hCoveredMs, 24 * 3600_000)}</dd></div>
<div><dt>Uptime 7&nbsp;d</dt><dd>${pct(c.uptime7d)}${coverage(c.uptime7dCoveredMs, 7 * 24 * 3600_000)}</dd></div>
<div><dt>p50 · p95</dt><dd>${c.latency24h ? `${c.latency24h.p50}<span class="unit">ms</span> · ${c.latency24h.p95}<span class="unit">ms</span>` : '—'}</dd></div>
<div><dt>Certificate</dt><dd class="${certClass(c.certDaysRemaining)}">${c.certDaysRemaining === null ? '—' : `${c.certDaysRemaining} days left`}</dd></div>
</dl>
<figure class="chart-wrap">${latencyChartSvg(c.chart, { label: `${c.name} latency`, thresholdMs: maxMs })}<figcaption><span class="key key-p50" aria-hidden="true"></span>p50 <span class="key key-p95" aria-hidden="true"></span>p95${maxMs ? ' <span class="key key-max" aria-hidden="true"></span>maxMs' : ''}</figcaption></figure>
<p class="last">Last run: ${last}. Owner: ${escapeHtml(c.owner)}. <a href="${escapeHtml(c.runbook)}">Runbook<span class="visually-hidden"> for ${escapeHtml(c.name)}</span></a> · <a href="/api/checks/${encodeURIComponent(c.target)}/history">History JSON<span class="visually-hidden"> for ${escapeHtml(c.name)}</span></a></p>
<p class="expect"><strong>Expected:</strong> ${escapeHtml(c.expect)}</p>
${failures}
${c.state === 'passing' || c.state === 'pending' ? '</details>' : ''}
</article>`;
}

function summaryLine(s: StatusSnapshot): string {
  const { summary } = s;
  if (summary.checks === 0) return 'No checks selected.';
  if (summary.failing > 0) return `${summary.failing} of ${summary.checks} checks failing${summary.alarms ? `, ${summary.alarms} in alarm` : ''}${summary.pending > 0 ? `, ${summary.pending} waiting for a first run` : ''}`;
  if (summary.pending === summary.checks) return s.firstRunAt ? `Waiting for the first runs: the first at ${s.firstRunAt.slice(11, 19)} UTC` : 'Waiting for the first runs…';
  if (summary.degraded > 0) return `All checks passing, ${summary.degraded} slow`;
  return `All ${summary.checks} checks passing`;
}

export function overallState(s: StatusSnapshot): CheckState {
  if (s.summary.failing > 0) return 'failing';
  if (s.summary.degraded > 0) return 'degraded';
  if (s.summary.pending === s.summary.checks) return 'pending';
  return 'passing';
}

/** The part of the page that updates live. */
export function renderMain(s: StatusSnapshot, fleet: Fleet): string {
  const now = Date.parse(s.generatedAt);
  const maxMsOf = (checkId: string): number | null => {
    const check = fleet.checks.find((c) => c.id === checkId);
    return check ? resolveSettings(fleet, check).maxMs : null;
  };
  const services = s.services
    .map(
      (svc) => `<section class="service" aria-labelledby="svc-${escapeHtml(svc.name)}" data-service="${escapeHtml(svc.name)}">
<h2 id="svc-${escapeHtml(svc.name)}"><span class="dot dot-${svc.state}" aria-hidden="true"></span>${escapeHtml(svc.name)} <span class="count">${svc.checks.length} check${svc.checks.length === 1 ? '' : 's'} · <span class="alarm alarm-${svc.alarm}">${svc.alarm === 'ALARM' ? 'service alarm firing' : svc.alarm === 'OK' ? 'service alarm OK' : 'service alarm: not enough data'}</span></span></h2>
<div class="grid">${svc.checks.map((c) => checkCard(c, now, maxMsOf(c.checkId))).join('\n')}</div>
</section>`,
    )
    .join('\n');
  return `${failingNow(s, now)}
<div id="overall" class="overall state-${overallState(s)}" data-state="${overallState(s)}"><span class="dot" aria-hidden="true"></span><strong>${escapeHtml(summaryLine(s))}</strong>${s.summary.undeliveredNotifications > 0 ? ` <span class="undelivered">· ${s.summary.undeliveredNotifications} notification${s.summary.undeliveredNotifications === 1 ? '' : 's'} not delivered, kept in undelivered.jsonl in the data directory</span>` : ''} <span class="muted">updated <time datetime="${s.generatedAt}">${s.generatedAt.slice(11, 19)} UTC</time></span></div>
${services}`;
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f6f7f9;--fg:#1b1f24;--muted:#5b6470;--card:#fff;--line:#d9dde3;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--pend:#6e7781;--p50:#0969da;--p95:#8250df;--focus:#0969da;--code:#eef1f4}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--card:#161b22;--line:#30363d;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--pend:#8b949e;--p50:#58a6ff;--p95:#bc8cff;--focus:#58a6ff;--code:#1f2630}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--p50)}
a:focus-visible,summary:focus-visible,button:focus-visible,[tabindex]:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:4px}
.skip{position:absolute;left:-999px;top:0;background:var(--card);padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem;top:1rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.top{padding:1rem clamp(1rem,4vw,2.5rem);border-bottom:1px solid var(--line);background:var(--card)}
.top h1{margin:0;font-size:1.35rem}
.top p{margin:.15rem 0 0;color:var(--muted);font-size:.9rem}
main{padding:1rem clamp(1rem,4vw,2.5rem) 3rem;max-width:1400px;margin:0 auto}
.overall{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;padding:.9rem 1rem;border-radius:10px;background:var(--card);border:1px solid var(--line);border-left:6px solid var(--pend);margin:0 0 1.25rem}
.overall.state-passing{border-left-color:var(--ok)}.overall.state-failing{border-left-color:var(--bad)}.overall.state-degraded{border-left-color:var(--warn)}
.failing-now{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--bad);border-radius:10px;padding:.6rem 1rem;margin:0 0 1rem}
.failing-now h2{margin:.2rem 0 .4rem;font-size:1.1rem;color:var(--bad)}
.failing-now ol{margin:0;padding-left:1.2rem}.failing-now li{margin:.4rem 0}
.failing-now .reason{margin:.2rem 0 0;padding:.2rem .5rem;font-size:.82rem;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
@media (max-width:480px){.top{padding:.6rem 1rem}.top h1{font-size:1.1rem}.top p{font-size:.78rem}main{padding-top:.6rem}.failing-now{padding:.4rem .7rem}.failing-now li{margin:.3rem 0;font-size:.9rem}.failing-now .muted{font-size:.8rem}}
.since{font-size:.85rem;margin:.2rem 0}
.timeline-wrap{margin:.4rem 0}
.timeline{width:100%;height:22px;display:block}
.tl-up{fill:var(--ok)}.tl-down{fill:var(--bad)}.tl-none{fill:var(--line)}
details.more>summary{font-weight:400;color:var(--muted)}
.service h2{font-size:1.1rem;display:flex;align-items:center;gap:.5rem;margin:1.5rem 0 .75rem}
.count{color:var(--muted);font-weight:400;font-size:.9rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,340px),1fr))}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem;border-top:4px solid var(--pend);min-width:0}
.card.state-passing{border-top-color:var(--ok)}.card.state-failing{border-top-color:var(--bad)}.card.state-degraded{border-top-color:var(--warn)}
.card-head{display:flex;justify-content:space-between;align-items:flex-start;gap:.5rem}
.card h3{margin:0;font-size:1rem;line-height:1.3}
.badge{display:inline-flex;align-items:center;gap:.35rem;white-space:nowrap;font-size:.8rem;font-weight:600;padding:.15rem .55rem;border-radius:999px;border:1px solid currentColor}
.badge-passing{color:var(--ok)}.badge-failing{color:var(--bad)}.badge-degraded{color:var(--warn)}.badge-pending{color:var(--pend)}
.dot{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;background:currentColor}
.overall .dot,.dot-pending{background:var(--pend)}.state-passing .dot,.dot-passing{background:var(--ok)}.state-failing .dot,.dot-failing{background:var(--bad)}.state-degraded .dot,.dot-degraded{background:var(--warn)}
.badge .dot{background:currentColor}
.meta{color:var(--muted);font-size:.82rem;margin:.35rem 0 .5rem;overflow-wrap:anywhere}
code{background:var(--code);padding:0 .3rem;border-radius:4px;font-size:.85em}
.alarm-ALARM{color:var(--bad);font-weight:600}.alarm-OK{color:var(--ok)}
.reason{margin:.25rem 0 .5rem;padding:.5rem .7rem;border-radius:6px;background:color-mix(in srgb,var(--bad) 12%,transparent);font-size:.88rem;overflow-wrap:anywhere}
.stats{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:.4rem;margin:.5rem 0}
@media (max-width:420px){.stats{grid-template-columns:repeat(2,minmax(0,1fr))}}
.stats div{background:var(--bg);border-radius:6px;padding:.35rem .45rem;min-width:0}
.stats dt{font-size:.72rem;color:var(--muted);white-space:nowrap}
.stats dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums;font-size:.92rem;overflow-wrap:anywhere}
.unit{font-weight:400;font-size:.75em;color:var(--muted);margin-left:1px}
.over{font-weight:400;font-size:.7em;color:var(--muted);white-space:nowrap}
dd.good{color:var(--ok)}dd.warn{color:var(--warn)}dd.bad{color:var(--bad)}
.chart-wrap{margin:.5rem 0}
.chart{width:100%;height:auto;display:block}
.chart-grid{stroke:var(--line);stroke-width:1}
.chart-axis{fill:var(--muted);font-size:9px}
.chart-p50{stroke:var(--p50);stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.chart-p95{stroke:var(--p95);stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.chart-threshold{stroke:var(--bad);stroke-width:1;stroke-dasharray:4 3}
.chart-empty{fill:var(--muted);font-size:11px}
figcaption{font-size:.75rem;color:var(--muted);display:flex;gap:.35rem;align-items:center}
.key{display:inline-block;width:.9rem;height:3px;border-radius:2px}.key-p50{background:var(--p50)}.key-p95{background:var(--p95);margin-left:.5rem}.key-max{background:var(--bad);margin-left:.5rem}
.last,.expect{font-size:.85rem;margin:.35rem 0}
.muted{color:var(--muted)}
p.muted{font-size:.85rem;margin:.5rem 0 0}
details{margin-top:.5rem;font-size:.85rem}
summary{cursor:pointer;font-weight:600}
.failures{padding-left:1.2rem;margin:.4rem 0}
.failures li{margin:.35rem 0}.failures p{margin:.1rem 0;overflow-wrap:anywhere}
footer{color:var(--muted);font-size:.8rem;text-align:center;padding:1rem}
@media (prefers-reduced-motion:no-preference){.card{transition:border-color .3s}}
`;

// Live updates: an EventSource says something changed; the page fetches the fresh HTML and
// swaps only the cards whose content differs, keeping open <details> and keyboard focus.
const SCRIPT = `
(function(){
  var main=document.getElementById('main');var live=document.getElementById('live');var pending=false;var last={};
  document.querySelectorAll('[data-target]').forEach(function(el){last[el.dataset.target]=el.querySelector('.badge').textContent;});
  function refresh(){if(pending)return;pending=true;setTimeout(function(){pending=false;
    fetch('/fragment',{cache:'no-store'}).then(function(r){return r.text();}).then(function(html){
      var tpl=document.createElement('template');tpl.innerHTML=html;
      var focusedId=document.activeElement&&document.activeElement.closest('[id]')?document.activeElement.closest('[id]').id:null;
      var changes=[];
      tpl.content.querySelectorAll('[data-target]').forEach(function(card){
        var label=card.querySelector('.badge').textContent;
        if(last[card.dataset.target]&&last[card.dataset.target]!==label)changes.push(card.querySelector('h3').textContent+' is now '+label.toLowerCase());
        last[card.dataset.target]=label;
      });
      var openIds=Array.prototype.map.call(main.querySelectorAll('details[open]'),function(d){return d.id;});
      var order=function(root){return Array.prototype.map.call(root.querySelectorAll('[data-target]'),function(e){return e.dataset.target;}).join(',');};
      var nf=tpl.content.querySelector('#failing-now');var cf=document.getElementById('failing-now');
      if(order(tpl.content)!==order(main)||(nf?nf.outerHTML:'')!==(cf?cf.outerHTML:'')){
        // Failing checks move to the top: the order changed, so the whole list is replaced.
        main.innerHTML=html;
        openIds.forEach(function(id){var d=document.getElementById(id);if(d)d.open=true;});
      }else{
        var next=tpl.content.querySelector('#overall');var cur=document.getElementById('overall');
        if(next&&cur&&next.outerHTML!==cur.outerHTML)cur.replaceWith(next);
        tpl.content.querySelectorAll('[data-target]').forEach(function(card){
          var old=document.getElementById(card.id);
          Array.prototype.forEach.call(card.querySelectorAll('details'),function(d){if(openIds.indexOf(d.id)>=0)d.open=true;});
          if(old&&old.innerHTML!==card.innerHTML)old.replaceWith(card);
        });
      }
      if(changes.length)live.textContent=changes.join('. ')+'.';
      if(focusedId){var f=document.getElementById(focusedId);if(f&&document.activeElement===document.body){var t=f.querySelector('summary,a')||f;t.focus({preventScroll:true});}}
    }).catch(function(){});},250);}
  var fresh=document.getElementById('freshness');function say(t){if(fresh)fresh.textContent=t;}
  if('EventSource' in window){var es=new EventSource('/api/events');say('Connecting for live updates…');es.onopen=function(){say('Live: updates arrive as checks finish.');};es.addEventListener('update',refresh);es.onerror=function(){say('Live updates interrupted; reconnecting. The page may be out of date.');};}
  else{say('Updates every 15 s.');setInterval(refresh,15000);}
})();
`;

export function renderPage(s: StatusSnapshot, fleet: Fleet, environments: readonly string[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(fleet.name)} · probe-fleet status</title>
<style>${STYLE}</style>
<noscript><meta http-equiv="refresh" content="${NO_SCRIPT_REFRESH_S}"></noscript>
</head>
<body>
<a class="skip" href="#main">Skip to checks</a>
<header class="top" role="banner">
<h1>${escapeHtml(fleet.name)} status</h1>
<p>probe-fleet monitor · location <code>${escapeHtml(s.location)}</code> · environment${environments.length === 1 ? '' : 's'} ${environments.map((e) => `<code>${escapeHtml(e)}</code>`).join(' ')} · running since <time datetime="${s.startedAt}">${s.startedAt.replace('T', ' ').slice(0, 16)} UTC</time></p>
</header>
<main id="main" tabindex="-1">
${renderMain(s, fleet)}
</main>
<div id="live" class="visually-hidden" aria-live="polite" role="status"></div>
<footer><span id="freshness">Reloads every ${NO_SCRIPT_REFRESH_S} s (JavaScript is off).</span> JSON: <a href="/api/status">/api/status</a> · badges: <code>/badge/&lt;check&gt;.svg</code></footer>
<script>${SCRIPT}</script>
</body>
</html>`;
}
