/**
 * The HTML stats page, laid out as HAProxy's (src/stats.c): the process information block with the
 * colour legend, then per proxy a title bar and one table with the frontend row, each server row
 * and the backend row, under the column groups HAProxy shows. Cells come from the column table
 * (fields.ts); this file only decides which columns appear where and the page around them.
 * Colours are HAProxy's: green UP, yellow/orange transitions, red DOWN, brown MAINT, blue DRAIN.
 */
import { FIELD, applies, rowClass, humanTime, type Row } from "./fields.ts";
import type { StatsConfig } from "../config/model.ts";

/** HAProxy's column groups and the CSV columns under them. */
const GROUPS: { title: string; cols: [string, string][] }[] = [
  {
    title: "Queue",
    cols: [
      ["qcur", "Cur"],
      ["qmax", "Max"],
      ["qlimit", "Limit"],
    ],
  },
  {
    title: "Session rate",
    cols: [
      ["rate", "Cur"],
      ["rate_max", "Max"],
      ["rate_lim", "Limit"],
    ],
  },
  {
    title: "Sessions",
    cols: [
      ["scur", "Cur"],
      ["smax", "Max"],
      ["slim", "Limit"],
      ["stot", "Total"],
      ["lbtot", "LbTot"],
      ["lastsess", "Last"],
    ],
  },
  {
    title: "Bytes",
    cols: [
      ["bin", "In"],
      ["bout", "Out"],
    ],
  },
  {
    title: "Denied",
    cols: [
      ["dreq", "Req"],
      ["dresp", "Resp"],
    ],
  },
  {
    title: "Errors",
    cols: [
      ["ereq", "Req"],
      ["econ", "Conn"],
      ["eresp", "Resp"],
    ],
  },
  {
    title: "Warnings",
    cols: [
      ["wretr", "Retr"],
      ["wredis", "Redis"],
    ],
  },
  {
    title: "Server",
    cols: [
      ["status", "Status"],
      ["last_chk", "LastChk"],
      ["weight", "Wght"],
      ["act", "Act"],
      ["bck", "Bck"],
      ["chkfail", "Chk"],
      ["chkdown", "Dwn"],
      ["downtime", "Dwntme"],
      ["throttle", "Thrtle"],
    ],
  },
];

const CENTERED = new Set(["status", "last_chk", "weight", "act", "bck", "throttle"]);

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const CSS = `
body { font-family: arial, helvetica, sans-serif; font-size: 12px; font-weight: normal; color: black; background: white;}
th,td { font-size: 10px;}
h1 { font-size: x-large; margin-bottom: 0.5em;}
h2 { font-family: helvetica, arial; font-size: x-large; font-weight: bold; font-style: italic; color: #6020a0; margin-top: 0em; margin-bottom: 0em;}
h3 { font-family: helvetica, arial; font-size: 16px; font-weight: bold; color: #b00040; background: #e8e8d0; margin-top: 0em; margin-bottom: 0em;}
li { margin-top: 0.25em; margin-right: 2em;}
.hr {margin-top: 0.25em; border-color: black; border-bottom-style: solid;}
.titre {background: #20D0D0; color: #000000; font-weight: bold; text-align: center;}
.frontend {background: #e8e8d0;}
.backend {background: #e8e8d0;}
.active_down {background: #ff9090;}
.active_going_up {background: #ffd020;}
.active_going_down {background: #ffffa0;}
.active_up {background: #c0ffc0;}
.active_draining {background: #20a0FF;}
.active_no_check {background: #e0e0e0;}
.backup_down {background: #ff9090;}
.backup_going_up {background: #ff80ff;}
.backup_going_down {background: #c060ff;}
.backup_up {background: #b0d0ff;}
.backup_draining {background: #cc9900;}
.backup_no_check {background: #e0e0e0;}
.maintain {background: #c07820;}
a.px:link, a.px:visited {color: #ffff40; text-decoration: none;}
a.px:hover {color: #ffffff; text-decoration: none;}
a.lfsb:link, a.lfsb:visited {color: #000000; text-decoration: none;}
table.tbl { border-collapse: collapse; border-style: none;}
table.tbl td { text-align: right; border-width: 1px; border-style: solid; padding: 2px 3px; border-color: gray; white-space: nowrap;}
table.tbl td.ac { text-align: center;}
table.tbl th { border-width: 1px; border-style: solid; border-color: gray;}
table.tbl th.pxname { background: #b00040; color: #ffff40; font-weight: bold; border-style: solid solid none solid; padding: 2px 3px; white-space: nowrap;}
table.tbl th.empty { border-style: none; empty-cells: hide; background: white;}
table.lgd { border-collapse: collapse; border-width: 1px; border-style: none none none solid; border-color: black;}
table.lgd td { border-width: 1px; border-style: solid; border-color: gray; padding: 2px;}
table.lgd td.noborder { border-style: none; padding: 2px; white-space: nowrap;}
p.msg { background: #c0ffc0; border: 1px solid #208020; padding: 4px; font-weight: bold; }
`;

export interface HtmlOptions {
  stats: StatsConfig;
  version: string;
  pid: number;
  uptimeMs: number;
  globalMaxconn: number;
  currentConns: number;
  /** Show the admin form (`stats admin` matched this client). */
  admin: boolean;
  /** `;up`: hide DOWN servers. */
  upOnly: boolean;
  /** Result banner after an admin action (`;st=DONE`...). */
  message?: string;
}

function cells(r: Row): string {
  let out = "";
  for (const g of GROUPS) {
    for (const [name] of g.cols) {
      const f = FIELD[name]!;
      let text = "";
      if (applies(f, r.type)) {
        const v = f.get(r);
        text = f.html !== undefined ? f.html(r) : v === undefined ? "" : String(v);
      }
      out += `<td${CENTERED.has(name) ? " class=ac" : ""}>${esc(text)}</td>`;
    }
  }
  return out;
}

function nameCell(r: Row): string {
  const px = esc(r.px.name);
  if (r.type === "frontend")
    return `<td class=ac><a name="${px}/Frontend"></a><a class=lfsb href="#${px}/Frontend">Frontend</a></td>`;
  if (r.type === "backend")
    return `<td class=ac><a name="${px}/Backend"></a><a class=lfsb href="#${px}/Backend">Backend</a></td>`;
  const sv = esc(r.sv!.name);
  const addr = esc(String(FIELD.addr!.get(r) ?? ""));
  return `<td class=ac><a name="${px}/${sv}"></a><a class=lfsb href="#${px}/${sv}" title="${addr}, id: ${r.sv!.config.id}">${sv}</a></td>`;
}

function proxyTable(rows: Row[], o: HtmlOptions, uri: string): string {
  const r0 = rows[0]!;
  const px = r0.px;
  const cap = px.config.kind === "listen" ? "frontend, backend" : px.config.kind;
  const withForm = o.admin && px.backend !== undefined && px.backend.servers.length > 0;
  const span = GROUPS.reduce((n, g) => n + g.cols.length, 0);
  let h = "";
  if (withForm) h += `<form method="post" action="${esc(uri)}">`;
  h += `<table class="tbl" width="100%"><tr class="titre"><th class="pxname" width="10%"><a name="${esc(px.name)}"></a><a class=px href="#${esc(px.name)}" title="cap: ${cap}, mode: ${px.config.mode}, id: ${px.config.id}">${esc(px.name)}</a></th><th class="empty" width="90%"></th></tr></table>\n`;
  h += `<table class="tbl" width="100%"><tr class="titre">${withForm ? "<th rowspan=2></th>" : ""}<th rowspan=2></th>`;
  for (const g of GROUPS) h += `<th colspan=${g.cols.length}>${g.title}</th>`;
  h += `</tr>\n<tr class="titre">`;
  for (const g of GROUPS) for (const [, t] of g.cols) h += `<th>${t}</th>`;
  h += `</tr>\n`;
  for (const r of rows) {
    if (o.upOnly && r.type === "server" && String(FIELD.status!.get(r)).startsWith("DOWN")) continue;
    const check =
      withForm && r.type === "server"
        ? `<td><input type="checkbox" name="s" value="${esc(r.sv!.name)}"></td>`
        : withForm
          ? "<td></td>"
          : "";
    h += `<tr class="${rowClass(r)}">${check}${nameCell(r)}${cells(r)}</tr>\n`;
  }
  if (withForm) {
    h += `<tr><td colspan=${span + 2} style="text-align: left">Choose the action to perform on the checked servers : <select name=action>`;
    h += `<option value="">---</option><option value="ready">Set state to READY</option><option value="drain">Set state to DRAIN</option><option value="maint">Set state to MAINT</option>`;
    h += `</select><input type="hidden" name="b" value="#${px.config.id}"><input type="submit" value="Apply"></td></tr>\n`;
  }
  h += "</table>";
  if (withForm) h += "</form>";
  return h + "<p>\n";
}

const LEGEND = `<table class="lgd"><tr>
<td class="active_up">&nbsp;</td><td class="noborder">active UP </td><td class="backup_up">&nbsp;</td><td class="noborder">backup UP </td></tr><tr>
<td class="active_going_down"></td><td class="noborder">active UP, going down </td><td class="backup_going_down"></td><td class="noborder">backup UP, going down </td></tr><tr>
<td class="active_going_up"></td><td class="noborder">active DOWN, going up </td><td class="backup_going_up"></td><td class="noborder">backup DOWN, going up </td></tr><tr>
<td class="active_down"></td><td class="noborder">active or backup DOWN &nbsp;</td><td class="active_no_check"></td><td class="noborder">not checked </td></tr><tr>
<td class="maintain"></td><td class="noborder" colspan="3">active or backup DOWN for maintenance (MAINT) &nbsp;</td></tr><tr>
<td class="active_draining"></td><td class="noborder" colspan="3">active or backup SOFT STOPPED for maintenance &nbsp;</td></tr></table>
Note: "DRAIN" = UP with load-balancing disabled.`;

export function renderHtml(rows: readonly Row[], o: HtmlOptions): string {
  const uri = o.stats.uri;
  const up = Math.floor(o.uptimeMs / 1000);
  const uptime = `${Math.floor(up / 86400)}d ${Math.floor((up % 86400) / 3600)}h${String(Math.floor((up % 3600) / 60)).padStart(2, "0")}m${String(up % 60).padStart(2, "0")}s`;
  let h = `<!DOCTYPE html>
<html><head><title>Statistics Report for netsvc</title>
<link rel="icon" href="data:,">
<meta http-equiv="content-type" content="text/html; charset=utf-8">
<style type="text/css">${CSS}</style></head>
<body><h1>${o.stats.hideVersion ? "netsvc" : `netsvc version ${esc(o.version)}`} (HAProxy-compatible load balancer)</h1>
<h2>Statistics Report for pid ${o.pid}</h2>
<hr width="100%" class="hr">
`;
  if (o.message !== undefined) h += `<p class="msg">${esc(o.message)}</p>\n`;
  h += `<h3>&gt; General process information</h3>
<table border=0><tr><td align="left" nowrap width="1%">
<p><b>pid = </b> ${o.pid}<br>
<b>uptime = </b> ${uptime}<br>
<b>maxconn = </b> ${o.globalMaxconn}<br>
current conns = ${o.currentConns}${o.stats.refresh !== undefined ? `; refresh = ${humanTime(Math.round(o.stats.refresh / 1000))}` : ""}<br>
</td><td align="center" nowrap>
${LEGEND}</td><td align="left" valign="top" nowrap width="1%"><b>Display option:</b><ul style="margin-top: 0.25em;">
<li><a href="${esc(o.upOnly ? uri : `${uri};up`)}">${o.upOnly ? "Show all servers" : "Hide 'DOWN' servers"}</a><br>
<li><a href="${esc(uri)}${o.upOnly ? ";up" : ""}">Refresh now</a><br>
<li><a href="${esc(uri)};csv">CSV export</a><br>
<li><a href="${esc(uri)};json">JSON export</a><br>
</ul></td></tr></table>
`;
  let i = 0;
  while (i < rows.length) {
    const px = rows[i]!.px;
    const group: Row[] = [];
    while (i < rows.length && rows[i]!.px === px) group.push(rows[i++]!);
    h += proxyTable(group, o, uri);
  }
  return h + "</body></html>\n";
}
