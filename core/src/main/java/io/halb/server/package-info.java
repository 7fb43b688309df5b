/** The running instance: wiring of a configuration snapshot into listeners and pools, start, reload, graceful stop. */
package io.halb.server;
