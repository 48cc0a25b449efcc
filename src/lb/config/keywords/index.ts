/** Loads every feature's keyword registrations (the config layer only dispatches). */
import "./global.ts";
import "./proxy.ts";
import "./routing.ts";
import "../../engine/keywords.ts";
import "../../check/keywords.ts";
import "../../stats/keywords.ts";
