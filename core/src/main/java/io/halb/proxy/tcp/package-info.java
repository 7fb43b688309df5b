/** The L4 proxy: each client connection is balanced once and its bytes relayed unread, with half-close. */
package io.halb.proxy.tcp;
