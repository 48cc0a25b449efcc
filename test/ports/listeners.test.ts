import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { formatJson, formatTable, serviceText } from "../../src/ports/format.ts";
import { buildListeners, type ProcessInfo } from "../../src/ports/listeners.ts";
import { recogniseNetsvc } from "../../src/ports/processes.ts";
import { NET_PROTOS, parseProcNet } from "../../src/ports/procnet.ts";
import { parseServices } from "../../src/ports/services.ts";
import { assertGolden } from "../helpers/golden.ts";
import { ROOT } from "../helpers/proc.ts";

const dir = `${ROOT}/test/ports`;
const sockets = NET_PROTOS.flatMap((p) =>
  parseProcNet(readFileSync(`${dir}/fixtures/proc-net/${p}`, "utf8"), p, "LE"),
);
const services = parseServices(readFileSync(`${dir}/fixtures/services`, "utf8")).table;

const nginxMaster: ProcessInfo = { pid: 700, program: "nginx: master process /usr/sbin/nginx" };
const nginxWorker: ProcessInfo = { pid: 702, program: "nginx: worker process" };
const dns: ProcessInfo = {
  pid: 4242,
  program: "node",
  netsvc: recogniseNetsvc(["node", "/usr/bin/netsvc", "dns", "-c", "/etc/netsvc/named.conf"]),
};
const up: ProcessInfo = {
  pid: 5000,
  program: "node",
  netsvc: recogniseNetsvc(["node", "/usr/bin/netsvc", "up"]),
};
const sshd: ProcessInfo = { pid: 88, program: "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups" };

// Inodes from the fixtures; 1004, 2004 and 4001 belong to processes we may not inspect.
const owners = new Map<number, ProcessInfo[]>([
  [1001, [nginxWorker, nginxMaster]],
  [1002, [dns]],
  [1003, [sshd]],
  [2001, [nginxMaster]],
  [2002, [sshd]],
  [2003, [dns]],
  [3001, [dns]],
  [3002, [up]],
  [4002, [up]],
]);

describe("listeners: the join of sockets, owners and services", () => {
  const rows = buildListeners(sockets, owners, services);

  it("keeps listening sockets only, sorted by protocol section, then port", () => {
    assert.deepEqual(
      rows.map((r) => `${r.proto} ${r.localAddress}:${r.localPort} ${r.state}`),
      [
        "tcp 192.168.0.10:22 LISTEN",
        "tcp 0.0.0.0:53 LISTEN",
        "tcp 127.0.0.1:8080 LISTEN",
        "tcp6 :::22 LISTEN",
        "tcp6 ::ffff:127.0.0.1:53 LISTEN",
        "tcp6 fe80::1:443 LISTEN",
        "tcp6 ::1:8080 LISTEN",
        "udp 0.0.0.0:53 UNCONN",
        "udp 127.0.0.1:111 UNCONN",
        "udp6 :::2049 UNCONN",
        "udp6 ::1:20048 UNCONN",
      ],
    );
  });

  it("shows the lowest PID as netstat does, and every holder in processes", () => {
    const r = rows.find((x) => x.inode === 1001)!;
    assert.equal(r.pid, 700);
    assert.deepEqual(
      r.processes.map((p) => p.pid),
      [700, 702],
    );
  });

  it("a socket of a process we may not inspect has no PID", () => {
    const r = rows.find((x) => x.inode === 1004)!;
    assert.equal(r.pid, null);
    assert.equal(r.program, null);
    assert.deepEqual(r.processes, []);
    assert.equal(r.uid, 1000);
  });

  it("names ports from /etc/services by protocol and marks netsvc's listeners", () => {
    const by = (inode: number) => rows.find((x) => x.inode === inode)!;
    assert.equal(serviceText(by(1001)), "http-alt");
    assert.equal(serviceText(by(1002)), "domain (netsvc dns)");
    assert.equal(serviceText(by(3002)), "sunrpc (netsvc up/nfs)");
    assert.equal(serviceText(by(4002)), "mountd (netsvc up/nfs)");
    assert.equal(serviceText(by(2004)), "https");
    assert.equal(by(2001).service, "http-alt"); // tcp6 sockets take the tcp entries
    assert.equal(by(1004).service, "ssh");
  });

  it("golden: the netstat-style table and the JSON", () => {
    assertGolden(`${dir}/golden/table.out`, formatTable(rows));
    assertGolden(`${dir}/golden/listeners.json`, formatJson(rows));
  });
});
