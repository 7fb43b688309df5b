package io.halb.admin;

import java.util.List;

/**
 * The outcome of a reload.
 *
 * @param errors  why it was refused (file:line:col: key: message); empty when it was applied
 * @param changes what changed, e.g. "pool web: server web3 added"; empty when nothing did
 */
public record ReloadResult(boolean applied, List<String> errors, List<String> changes) {}
