/**
 * Protection of halb and its servers from bad clients: strict HTTP/1.1 parsing that refuses request
 * smuggling before anything reaches a server, and the kernel-side SYN-flood posture and counters.
 */
package io.halb.guard;
