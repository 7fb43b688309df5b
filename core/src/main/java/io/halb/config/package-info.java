/**
 * The configuration: immutable records of what the operator wrote, YAML loading with
 * {@code ${ENV}} substitution, and validation that names file, line and key of every error.
 */
package io.halb.config;
