package io.halb.admin;

/** A listener as configured and bound. */
public record ListenerView(String name, String bind, String mode, String pool, int routes) {}
