package io.halb.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * What files looked like when they were read (modification time, size, file key), to notice when
 * one is replaced or rewritten. A missing file has a stamp too, so its return is noticed. Immutable.
 */
record FileStamps(List<Path> files, List<String> stamps) {

    FileStamps {
        files = List.copyOf(files);
        stamps = List.copyOf(stamps);
    }

    /** Stamps the files now. Blocking file I/O: never on an event loop. */
    static FileStamps of(List<Path> files) {
        List<String> stamps = new ArrayList<>(files.size());
        for (Path f : files) {
            stamps.add(stamp(f));
        }
        return new FileStamps(files, stamps);
    }

    /** Whether any file differs now from when this was taken. */
    boolean changed() {
        for (int i = 0; i < files.size(); i++) {
            if (!stamp(files.get(i)).equals(stamps.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static String stamp(Path f) {
        try {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() + "/" + a.size() + "/" + a.fileKey();
        } catch (IOException e) {
            return "missing";
        }
    }
}
