package dev.jobharvester.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemSyncTest {

    @TempDir
    Path dir;

    @Test
    void isThereOnLinuxAndSyncsTheFileSystemOfAFolderTillClosed() throws IOException {
        assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && FileSystemSync.reportsWritebackErrors(System.getProperty("os.version")), "syncfs is Linux's");
        assertThat(FileSystemSync.available()).as("syncfs through JNA on Linux 5.8+").isTrue();
        FileSystemSync sync = FileSystemSync.open(dir);
        Files.write(dir.resolve("a.bin"), new byte[4096]);
        sync.sync();
        sync.sync();
        assertThat(sync.failure()).isNull();
        assertThat(sync.device()).isEqualTo(Files.getAttribute(dir.resolve("a.bin"), "unix:dev"));
        sync.close();
        assertThat(sync.failure()).as("a closed sync vouches for nothing").isNotNull();
        assertThatThrownBy(sync::sync).isInstanceOf(IOException.class).hasMessageContaining(dir.toString());
    }

    @Test
    void aFolderGivenAsALinkIsWatchedOnTheFileSystemItLeadsTo() throws IOException, InterruptedException {
        assumeTrue(FileSystemSync.available(), "syncfs is not available here");
        try (SmallFileSystem other = SmallFileSystem.mount(dir.resolve("other"), "1m")) {
            Path link = Files.createSymbolicLink(dir.resolve("sink"), other.root());
            try (FileSystemSync sync = FileSystemSync.open(link)) {
                assertThat(sync.device()).isEqualTo(Files.getAttribute(other.root(), "unix:dev"))
                        .isNotEqualTo(Files.getAttribute(dir, "unix:dev"));
            }
        }
    }

    @Test
    void aFolderThatIsNotThereIsNamedInTheFailure() {
        assumeTrue(FileSystemSync.available(), "syncfs is not available here");
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> FileSystemSync.open(missing)).isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void onlyKernelsThatReportWritebackErrorsAreTrusted() {
        assertThat(FileSystemSync.reportsWritebackErrors("6.18.44-fc-v1098")).isTrue();
        assertThat(FileSystemSync.reportsWritebackErrors("5.8.0")).isTrue();
        assertThat(FileSystemSync.reportsWritebackErrors("5.10.0-28-amd64")).isTrue();
        assertThat(FileSystemSync.reportsWritebackErrors("5.4.0-150-generic")).isFalse();
        assertThat(FileSystemSync.reportsWritebackErrors("4.19.0")).isFalse();
        assertThat(FileSystemSync.reportsWritebackErrors("")).isFalse();
    }
}
