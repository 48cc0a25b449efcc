/**
 * The lab dashboard: one static page that fetches `lab.json` every second and redraws DNS, the
 * balancer, NFS and the workers. No framework and nothing external: the page must work offline.
 */
const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:baseline}
header h1{font-size:20px;margin:0}header span{font-size:13px}#time{opacity:.8}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px;padding:14px}
section{background:#fff;border-radius:6px;box-shadow:0 1px 3px #0002;padding:10px 14px}
h2{font-size:16px;margin:4px 0 8px;display:flex;justify-content:space-between}
table{border-collapse:collapse;width:100%;font-size:13px;margin-bottom:8px}
th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #e4e6ea}th{background:#eef0f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.up{background:#c9f2c9}.down{background:#ff9b9b;font-weight:bold}.maint{background:#d0d0ff}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;color:#1d2330}
.workers{display:flex;gap:8px;flex-wrap:wrap}
.worker{border-radius:6px;padding:8px 10px;min-width:86px;text-align:center;font-size:13px}
code{background:#eef0f3;padding:1px 4px;border-radius:3px;font-size:12px}
a{color:#1f5fbf}.muted{color:#777;font-size:12px}`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"})[c]);
const badge = (ok, yes = "UP", no = "DOWN") => '<span class="badge ' + (ok ? "up" : "down") + '">' + (ok ? yes : no) + "</span>";
const counts = (o) => { const e = Object.entries(o).sort((a, b) => b[1] - a[1]);
  return e.length ? e.map(([k, v]) => "<tr><td>" + esc(k) + '</td><td class="n">' + v + "</td></tr>").join("") : '<tr><td class="muted" colspan="2">none yet</td></tr>'; };
function stateClass(s) { return /^UP/.test(s) || s === "OPEN" ? "up" : /MAINT|DRAIN/.test(s) ? "maint" : /DOWN|NOLB/.test(s) ? "down" : ""; }
function draw(d) {
  $("time").textContent = "updated " + new Date(d.time).toLocaleTimeString();
  $("svc").innerHTML = d.services.map((s) => esc(s.name) + " " + badge(s.status === "running", "running", s.status)).join(" &nbsp; ");
  const dns = d.dns;
  $("dns-state").innerHTML = badge(dns.up);
  $("dns").innerHTML = "<table><tr><th>zone</th><th>serial</th><th>records</th></tr>" +
    dns.zones.map((z) => "<tr><td>" + esc(z.name) + '</td><td class="n">' + (z.serial ?? "") + '</td><td class="n">' + (z.records ?? "") + "</td></tr>").join("") + "</table>" +
    '<div style="display:flex;gap:12px;align-items:flex-start"><table><tr><th>query type</th><th>count</th></tr>' + counts(dns.qtypes) + "</table>" +
    "<table><tr><th>rcode</th><th>count</th></tr>" + counts(dns.rcodes) + "</table></div>" +
    '<div class="muted">' + dns.queries + (dns.queries === 1 ? " query" : " queries") + " &middot; try <code>dig @127.0.0.1 -p " + dns.port + " example.com</code></div>";
  const lb = d.lb;
  const down = lb.rows.filter((r) => r.server !== "FRONTEND" && r.server !== "BACKEND" && /DOWN/.test(r.status)).length;
  $("lb-state").innerHTML = lb.down ? badge(false) : badge(down === 0, "UP", down + " DOWN");
  $("lb").innerHTML = '<table id="lb-table"><tr><th>proxy</th><th>server</th><th>status</th><th>check</th><th>cur</th><th>total</th><th>2xx</th><th>5xx</th></tr>' +
    lb.rows.map((r) => '<tr class="' + stateClass(r.status) + '" data-server="' + esc(r.proxy + "/" + r.server) + '"><td>' + esc(r.proxy) + "</td><td>" + esc(r.server) + "</td><td>" + esc(r.status) + "</td><td>" + esc(r.checkStatus) +
      '</td><td class="n">' + r.scur + '</td><td class="n">' + r.stot + '</td><td class="n">' + (r.hrsp["2xx"] || "") + '</td><td class="n">' + (r.hrsp["5xx"] || "") + "</td></tr>").join("") + "</table>" +
    (lb.statsUri ? '<a href="' + esc(lb.statsUri) + '">full HAProxy-style statistics: ' + esc(lb.statsUri) + "</a>" : "");
  const nfs = d.nfs;
  $("nfs-state").innerHTML = badge(nfs.up);
  $("nfs").innerHTML = "<table><tr><th>export</th><th>clients</th></tr>" + nfs.exports.map((e) => "<tr><td>" + esc(e.path) + "</td><td>" + esc(e.clients.join(" ")) + "</td></tr>").join("") + "</table>" +
    '<table id="nfs-mounts"><tr><th>mounted by (MOUNT DUMP)</th><th>directory</th></tr>' + (nfs.mounts.length ? nfs.mounts.map((m) => "<tr><td>" + esc(m.hostname) + "</td><td>" + esc(m.directory) + "</td></tr>").join("") : '<tr><td class="muted" colspan="2">no client has mounted</td></tr>') + "</table>" +
    '<table id="nfs-ops"><tr><th>NFS operation</th><th>calls</th></tr>' + counts(nfs.ops) + "</table>";
  $("workers").innerHTML = d.workers.map((w) => '<div class="worker ' + (w.up ? "up" : "down") + '" id="worker-' + w.id + '">worker ' + w.id + "<br><b>" + (w.up ? "UP" : "DOWN") + '</b><br><span class="muted">:' + w.port + "</span></div>").join("");
  const wd = d.workers.filter((w) => !w.up).length;
  $("workers-state").innerHTML = badge(wd === 0, "all UP", wd + " DOWN");
}
async function tick() {
  try { const r = await fetch("lab.json", { cache: "no-store" }); if (r.ok) { draw(await r.json()); $("err").textContent = ""; } else $("err").textContent = "lab.json: HTTP " + r.status; }
  catch (e) { $("err").textContent = "the lab is not answering (" + e + ")"; }
  setTimeout(tick, 1000);
}
tick();`;

export function dashboardHtml(title = "netsvc lab"): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body><header><h1>${title}</h1><span id="svc"></span><span id="time"></span><span id="err" style="color:#ff9b9b"></span></header>
<main>
<section><h2>DNS <span id="dns-state"></span></h2><div id="dns"></div></section>
<section><h2>Load balancer <span id="lb-state"></span></h2><div id="lb"></div></section>
<section><h2>NFS <span id="nfs-state"></span></h2><div id="nfs"></div></section>
<section><h2>Workers <span id="workers-state"></span></h2><div class="workers" id="workers"></div>
<p class="muted">Crash one: <code>curl localhost:PORT/crash</code>. The balancer's health checks mark it DOWN within about two seconds.</p></section>
</main><script>${SCRIPT}</script></body></html>
`;
}
