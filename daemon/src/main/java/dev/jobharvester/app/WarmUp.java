package dev.jobharvester.app;

import dev.jobharvester.common.Sha256;
import dev.jobharvester.download.HttpClients;
import dev.jobharvester.durability.FileSystemSync;
import java.security.Security;

/**
 * What every pipeline needs whatever its settings, built on a thread of its own while the main thread reads the
 * settings and builds the pipelines, which it does alone on one core: the security providers, TLS (the trust store,
 * the public suffix list), SHA-256 (the native provider loads its library and runs its self-tests at first use,
 * which every lane of a one-shot harvest waited for at its first file) and syncfs (JNA loads its native part and runs
 * {@code ldconfig -p} to find libc, which every lane writing to a directory waited for at its first file).
 */
final class WarmUp {

    private WarmUp() {
    }

    static void begin() {
        Thread thread = new Thread(WarmUp::run, "warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    private static void run() {
        try {
            // Finding a provider outside java.base (SunEC, which TLS asks for) instantiates each provider the JVM
            // meets before it, in an order that changes from start to start. Loading them all puts all of them in
            // the class-data archive this command may build: a daemon that met some outside it took 8 MiB more.
            Security.getProviders();
            HttpClients.prepare();
            Sha256.newDigest();
            FileSystemSync.available();
        } catch (RuntimeException e) {
            // Not to be reported here: the command meets the same failure where it needs them, and says so there.
        }
    }
}
