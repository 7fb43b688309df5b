package io.halb.tls;

/** Something that reads files and may read them again when they change on disk. */
public interface Reloadable {

    /** Reads the files again if they changed. Blocking file I/O: never on an event loop. */
    void refresh();
}
