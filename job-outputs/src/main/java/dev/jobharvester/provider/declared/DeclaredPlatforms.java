package dev.jobharvester.provider.declared;

import dev.jobharvester.common.ClasspathWildcard;
import dev.jobharvester.provider.Providers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the platform files a component's {@code platforms} option names, as Camel finds route files. */
public final class DeclaredPlatforms {

    private static final Logger LOG = LoggerFactory.getLogger(DeclaredPlatforms.class);

    private DeclaredPlatforms() {
    }

    /**
     * @param patterns comma-separated, as {@code camel.main.routes-include-pattern} is written:
     *                 {@code classpath:platforms/*.yaml,file:platforms/*.yaml}; a folder that does not exist holds
     *                 none
     * @return the declared platforms by name
     * @throws PlatformFileException for the first mistake in a file, or two files of one name
     */
    public static Map<String, DeclaredPlatform> load(CamelContext context, String patterns) {
        Map<String, DeclaredPlatform> declared = new TreeMap<>();
        if (patterns == null || patterns.isBlank()) {
            return Map.of();
        }
        for (String pattern : patterns.split(",")) {
            if (pattern.isBlank() || isMissingFolder(pattern.trim())) {
                continue;
            }
            try {
                for (Resource resource : resources(context, pattern.trim())) {
                    DeclaredPlatform platform = read(resource);
                    DeclaredPlatform twin = declared.put(platform.facts().name(), platform);
                    if (twin != null && !twin.location().equals(platform.location())) {
                        throw new PlatformFileException(platform.location(), 0, "name", "'"
                                + platform.facts().name() + "' is declared in " + twin.location() + " too");
                    }
                }
            } catch (PlatformFileException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalArgumentException("platform files " + pattern.trim() + ": " + e.getMessage(), e);
            }
        }
        return Collections.unmodifiableMap(declared);
    }

    private static List<Resource> resources(CamelContext context, String pattern) throws Exception {
        ClassLoader loader = context.getApplicationContextClassLoader() != null
                ? context.getApplicationContextClassLoader() : DeclaredPlatforms.class.getClassLoader();
        List<Resource> found = new ArrayList<>();
        for (String file : ClasspathWildcard.expand(pattern, loader)) {
            found.addAll(PluginHelper.getPackageScanResourceResolver(context).findResources(file));
        }
        return found;
    }

    /** Whether a file: pattern's folder (before its first wildcard) does not exist: Camel's resolver would fail on it. */
    private static boolean isMissingFolder(String pattern) {
        if (!pattern.startsWith("file:")) {
            return false;
        }
        String path = pattern.substring("file:".length());
        int wildcard = path.indexOf('*');
        String fixed = wildcard < 0 ? path : path.substring(0, wildcard);
        String folder = fixed.contains("/") ? fixed.substring(0, fixed.lastIndexOf('/')) : ".";
        return !Files.isDirectory(Path.of(folder.isEmpty() ? "/" : folder));
    }

    private static DeclaredPlatform read(Resource resource) {
        String location = resource.getLocation();
        try (InputStream in = resource.getInputStream()) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return DescriptionReader.read(location, text, Providers.names(), LOG::warn);
        } catch (IOException e) {
            throw new UncheckedIOException(location + ": cannot be read", e);
        }
    }

    /**
     * Reads one platform file on its own, not as a registered platform: its name may be a built-in's (the seeds'
     * files, run beside the built-in adapters by the contract suite).
     */
    public static DeclaredPlatform read(String location, String text) {
        return DescriptionReader.read(location, text, Set.of(), LOG::warn);
    }
}
