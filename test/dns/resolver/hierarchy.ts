import { RRCache } from "../../../src/dns/resolver/cache.ts";
import { parseHints } from "../../../src/dns/resolver/hints.ts";
import {
  DEFAULT_RESOLVER_CONFIG,
  Resolver,
  type ResolverConfig,
} from "../../../src/dns/resolver/resolver.ts";
import { FakeNet, seeded } from "./fake-net.ts";

/**
 * The test hierarchy (zone text), on fake addresses:
 *   10.0.0.1  .              (root; edu and net delegated with glue)
 *   10.0.0.2  edu.           (berkeley.edu: ns.berkeley.edu with glue, ns2.example.net without)
 *   10.0.0.3  berkeley.edu.  (ocf A 169.229.226.23, a CNAME to example.net, a DNAME, a big TXT)
 *   10.0.0.4  berkeley.edu.  (the same zone: the out-of-bailiwick server ns2.example.net), and
 *             stanford.edu.  (delegated to ns2.example.net only: no glue anywhere)
 *   10.0.0.5  net.           (example.net with glue)
 *   10.0.0.6  example.net.
 */
const SOA = (o: string): string => `@ 300 SOA ns.${o} hostmaster.${o} 1 3600 600 86400 60\n`;

export const ZONES = {
  root:
    SOA("root.test.") +
    `@ 3600 NS a.root.test.
a.root.test. 3600 A 10.0.0.1
edu. 3600 NS ns1.edu.
ns1.edu. 3600 A 10.0.0.2
net. 3600 NS ns.net.
ns.net. 3600 A 10.0.0.5
`,
  edu:
    SOA("edu.") +
    `@ 3600 NS ns1.edu.
ns1 3600 A 10.0.0.2
berkeley 3600 NS ns.berkeley
berkeley 3600 NS ns2.example.net.
ns.berkeley 3600 A 10.0.0.3
stanford 3600 NS ns2.example.net.
`,
  berkeley:
    SOA("berkeley.edu.") +
    `@ 3600 NS ns.berkeley.edu.
@ 3600 NS ns2.example.net.
ns 3600 A 10.0.0.3
ocf 300 A 169.229.226.23
www 300 CNAME www.example.net.
loop 300 CNAME loop2.example.net.
old 300 DNAME new.berkeley.edu.
host.new 300 A 10.9.9.9
big 300 TXT "${"x".repeat(200)}" "${"y".repeat(200)}" "${"z".repeat(200)}"
big 300 TXT "${"a".repeat(200)}" "${"b".repeat(200)}" "${"c".repeat(200)}"
`,
  stanford:
    SOA("stanford.edu.") +
    `@ 3600 NS ns2.example.net.
www 300 A 171.64.1.1
`,
  net:
    SOA("net.") +
    `@ 3600 NS ns.net.
ns 3600 A 10.0.0.5
example 3600 NS ns.example
ns.example 3600 A 10.0.0.6
`,
  examplenet:
    SOA("example.net.") +
    `@ 3600 NS ns.example.net.
ns 3600 A 10.0.0.6
ns2 3600 A 10.0.0.4
www 600 A 192.0.2.80
loop2 300 CNAME loop.berkeley.edu.
`,
};

export const HINTS = ". 3600000 NS a.root.test.\na.root.test. 3600000 A 10.0.0.1\n";

export function hierarchy(): FakeNet {
  const net = new FakeNet();
  net.serve("10.0.0.1", { ".": ZONES.root });
  net.serve("10.0.0.2", { edu: ZONES.edu });
  net.serve("10.0.0.3", { "berkeley.edu": ZONES.berkeley });
  net.serve("10.0.0.4", { "berkeley.edu": ZONES.berkeley, "stanford.edu": ZONES.stanford });
  net.serve("10.0.0.5", { net: ZONES.net });
  net.serve("10.0.0.6", { "example.net": ZONES.examplenet });
  return net;
}

export function resolverOn(net: FakeNet, over: Partial<ResolverConfig> = {}, cache?: RRCache): Resolver {
  return new Resolver(
    { ...DEFAULT_RESOLVER_CONFIG, hints: parseHints(HINTS, "hints"), ...over },
    { transport: net, clock: net.clock, random: seeded(), ...(cache ? { cache } : {}) },
  );
}
