/**
 * Session persistence: opaque server ids for inserted cookies, and bounded stick tables that pin a
 * client address to a server. Knows servers only by id, never by address.
 */
package io.halb.persist;
