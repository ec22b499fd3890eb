package dev.jobharvester.download;

import java.net.URI;

/** Shapes a URL for a log line or an error message: a presigned query string is a credential, so it is dropped. */
public final class Redact {

    private Redact() {
    }

    /** {@code https://host:port/path?…}; a URL without a host as written ({@code file:///etc/passwd}), its query cut. */
    public static String url(URI uri) {
        String query = uri.getRawQuery() == null ? "" : "?…";
        if (uri.isOpaque()) {
            return uri.getScheme() + ":…";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme() + ":";
        String host = uri.getHost() == null ? "" : uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        return scheme + (uri.getScheme() == null && host.isEmpty() ? "" : "//") + host + uri.getRawPath() + query;
    }
}
