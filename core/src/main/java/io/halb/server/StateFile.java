package io.halb.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The file that keeps runtime changes across restarts, written so that a crash at any moment
 * leaves either the old or the new content: write a temporary file beside it, fsync, rename over.
 *
 * <p>Thread-safety: callers serialize writes (the server writes under its own lock).
 */
final class StateFile {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path path;

    StateFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** The changes kept, or none when the file does not exist yet. */
    RuntimeOverrides load() throws IOException {
        if (!Files.exists(path)) {
            return RuntimeOverrides.NONE;
        }
        try {
            return JSON.readValue(path.toFile(), RuntimeOverrides.class);
        } catch (IOException e) {
            throw new IOException("state file " + path + " cannot be read: " + e.getMessage(), e);
        }
    }

    void save(RuntimeOverrides overrides) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try {
            byte[] bytes = JSON.writeValueAsBytes(overrides);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                // The rename itself is durable only once the directory is.
                d.force(true);
            } catch (IOException ignored) {
                // Some file systems cannot fsync a directory; the rename is still atomic.
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
