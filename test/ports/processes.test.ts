import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  netsvcLabel,
  programName,
  recogniseNetsvc,
  socketInode,
  splitCmdline,
} from "../../src/ports/processes.ts";

const argv = (s: string) => s.split(" ");

describe("process owners", () => {
  it("socket inodes come from `socket:[N]` fd links only", () => {
    assert.equal(socketInode("socket:[12345]"), 12345);
    assert.equal(socketInode("pipe:[12345]"), undefined);
    assert.equal(socketInode("anon_inode:[eventpoll]"), undefined);
    assert.equal(socketInode("/dev/null"), undefined);
  });

  it("cmdline is NUL-separated argv", () => {
    assert.deepEqual(splitCmdline("node\0/usr/bin/netsvc\0dns\0"), ["node", "/usr/bin/netsvc", "dns"]);
    assert.deepEqual(splitCmdline(""), []);
    assert.deepEqual(splitCmdline("netsvc dns\0\0\0\0"), ["netsvc dns"]);
  });

  it("the program is netstat's: argv[0], its basename when absolute, else comm", () => {
    assert.equal(programName("/usr/bin/node\0x.js\0", "node\n"), "node");
    assert.equal(programName("node\0x.js\0", "node\n"), "node");
    assert.equal(
      programName("nginx: master process /usr/sbin/nginx\0", "nginx\n"),
      "nginx: master process /usr/sbin/nginx",
    );
    assert.equal(programName("", "kworker/0:1\n"), "kworker/0:1");
  });

  it("recognises netsvc servers by the bin name, through node or directly", () => {
    assert.equal(recogniseNetsvc(argv("node /usr/bin/netsvc dns -c /etc/netsvc/named.conf"))?.command, "dns");
    assert.equal(
      recogniseNetsvc(argv("/usr/bin/node --max-old-space-size=512 /usr/local/bin/netsvc lb -f x"))?.command,
      "lb",
    );
    assert.equal(recogniseNetsvc(argv("netsvc nfs -e exports"))?.command, "nfs");
    assert.equal(recogniseNetsvc(argv("node netsvc workers -n 6"))?.command, "workers");
    assert.deepEqual(recogniseNetsvc(argv("node /usr/bin/netsvc up --port-offset 10000")), {
      command: "up",
      portOffset: 10000,
      customLab: false,
    });
    assert.deepEqual(recogniseNetsvc(argv("node /usr/bin/netsvc up --dir=/srv/lab --port-offset=5")), {
      command: "up",
      portOffset: 5,
      customLab: true,
    });
  });

  it("recognises a server that set its process title", () => {
    assert.equal(recogniseNetsvc(splitCmdline("netsvc dns -c named.conf\0\0\0"))?.command, "dns");
    assert.equal(recogniseNetsvc(splitCmdline("netsvc up --port-offset 100\0\0"))?.portOffset, 100);
    assert.equal(recogniseNetsvc(splitCmdline("nginx: master process /usr/sbin/nginx\0")), undefined);
  });

  it("recognises a checkout's script through the caller's test", () => {
    const isScript = (p: string) => p.endsWith("/dist/src/cli/main.js");
    assert.equal(
      recogniseNetsvc(argv("node /home/me/netsvc-src/dist/src/cli/main.js dns -c x"), isScript)?.command,
      "dns",
    );
    assert.equal(recogniseNetsvc(argv("node /home/me/netsvc-src/dist/src/cli/main.js dns -c x")), undefined);
  });

  it("is not fooled by other commands or other programs", () => {
    assert.equal(recogniseNetsvc(argv("node /usr/bin/netsvc ports")), undefined);
    assert.equal(recogniseNetsvc(argv("node /usr/bin/netsvc check named.conf")), undefined);
    assert.equal(recogniseNetsvc(argv("node /usr/bin/netsvc")), undefined);
    assert.equal(recogniseNetsvc(argv("/usr/sbin/named -c /etc/bind/named.conf")), undefined);
    assert.equal(recogniseNetsvc(argv("node server.js dns")), undefined);
    assert.equal(recogniseNetsvc(argv("vim /etc/netsvc/netsvc.conf dns")), undefined);
  });

  it("labels: the command, or for `up` the lab service on that port (shifted by --port-offset)", () => {
    const p = (s: string) => recogniseNetsvc(argv(s))!;
    assert.equal(netsvcLabel(p("netsvc dns -c x"), 5353), "netsvc dns");
    assert.equal(netsvcLabel(p("netsvc up"), 53), "netsvc up/dns");
    assert.equal(netsvcLabel(p("netsvc up"), 111), "netsvc up/nfs");
    assert.equal(netsvcLabel(p("netsvc up"), 7001), "netsvc up/lb");
    assert.equal(netsvcLabel(p("netsvc up"), 8085), "netsvc up/workers");
    assert.equal(netsvcLabel(p("netsvc up"), 9999), "netsvc up");
    assert.equal(netsvcLabel(p("netsvc up --port-offset 10000"), 17000), "netsvc up/lb");
    assert.equal(netsvcLabel(p("netsvc up --port-offset 10000"), 7000), "netsvc up");
    assert.equal(netsvcLabel(p("netsvc up --dir /srv/lab"), 53), "netsvc up");
  });
});
