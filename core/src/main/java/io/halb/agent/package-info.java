/**
 * The resource agent, {@code halb agent}: runs on a backend machine and answers HAProxy's
 * agent-check protocol with a weight computed from idle CPU, available memory and open sessions,
 * and an operator's state word (drain, maint, down) read from a file. Independent of the rest of halb.
 */
package io.halb.agent;
