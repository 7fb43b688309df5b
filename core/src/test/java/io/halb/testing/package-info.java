/**
 * Test fixtures: real peers on loopback port 0 (HTTP, TCP and misbehaving backends, raw clients),
 * a running halb built from a YAML template, and the leak check that every test class runs under.
 */
package io.halb.testing;
