/**
 * Whether a server should get traffic: active checks, passive outlier detection, the server state
 * machine, and the client side of HAProxy's agent-check protocol ({@link io.halb.health.AgentCheck}).
 */
package io.halb.health;
