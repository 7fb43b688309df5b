/**
 * TLS: SSL contexts for listeners (picked by SNI) and for connections to servers, certificate
 * loading and validation, ClientHello peeking for pass-through, and certificate reload from disk.
 */
package io.halb.tls;
