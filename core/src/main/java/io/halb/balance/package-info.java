/**
 * Choosing a server: the {@link io.halb.balance.Balancer} SPI, every balancing algorithm, and
 * {@link io.halb.balance.Endpoint}, the runtime view of a server that balancers read.
 */
package io.halb.balance;
