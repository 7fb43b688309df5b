package io.halb.config;

/** What a listener speaks to its clients. */
public enum Mode {
    /** HTTP/1.1 (and HTTP/2 once TLS negotiates it): requests are parsed, routed and balanced one by one. */
    HTTP,
    /** A byte relay: each connection is balanced once and its bytes pass unread. */
    TCP
}
