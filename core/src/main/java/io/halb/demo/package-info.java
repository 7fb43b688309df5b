/** The demo: small HTTP servers that answer with their name, for {@code ./halb demo} and tests. */
package io.halb.demo;
