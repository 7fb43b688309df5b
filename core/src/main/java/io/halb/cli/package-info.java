/** The {@code halb} command line: run, validate, demo. */
package io.halb.cli;
