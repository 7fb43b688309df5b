/**
 * Protection of halb and its servers from bad clients: connection and rate limits per listener and
 * per client address (a bounded client table, allow and deny lists, reject, tarpit, drop or divert),
 * strict HTTP/1.1 parsing of requests and response heads that refuses smuggling before anything
 * reaches the other side, slow-body measurement, and the kernel-side SYN-flood posture and counters.
 */
package io.halb.guard;
