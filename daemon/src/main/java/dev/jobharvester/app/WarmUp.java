package dev.jobharvester.app;

import dev.jobharvester.common.Sha256;
import dev.jobharvester.download.HttpClients;

/**
 * What every pipeline needs whatever its settings, built on a thread of its own while the main thread reads the
 * settings and builds the pipelines, which it does alone on one core: TLS (the trust store, the public suffix list)
 * and SHA-256 (the native provider loads its library and runs its self-tests at first use, which every lane of a
 * one-shot harvest waited for at its first file).
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
            HttpClients.prepare();
            Sha256.newDigest();
        } catch (RuntimeException e) {
            // Not to be reported here: the command meets the same failure where it needs them, and says so there.
        }
    }
}
