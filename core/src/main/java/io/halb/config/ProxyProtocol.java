package io.halb.config;

/** Whether and how a pool tells its servers the client's address: the PROXY protocol header. */
public enum ProxyProtocol {
    NONE,
    V1,
    V2
}
