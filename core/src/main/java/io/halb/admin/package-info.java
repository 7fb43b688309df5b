/**
 * Operating a running halb: the admin listener with its REST API, server-sent events, Prometheus
 * metrics and the dashboard, and the access log. Reads and changes the runtime only through
 * {@link io.halb.admin.ControlPlane}.
 */
package io.halb.admin;
