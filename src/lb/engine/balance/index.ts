/** Registers every balance algorithm (one file each); the backend imports this once. */
import "./roundrobin.ts";
import "./static-rr.ts";
import "./leastconn.ts";
import "./first.ts";
import "./source.ts";
import "./uri.ts";
import "./hdr.ts";
import "./random.ts";
