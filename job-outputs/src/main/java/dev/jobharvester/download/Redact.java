package dev.jobharvester.download;

import java.net.URI;

/** Shapes a URL for a log line or an error message: a presigned query string is a credential, so it is dropped. */
public final class Redact {

    private Redact() {
    }

    public static String url(URI uri) {
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        return uri.getScheme() + "://" + uri.getHost() + port + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?…");
    }
}
