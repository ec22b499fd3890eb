package dev.jobharvester.ledger;

/** Shapes a JDBC URL for messages: its parameters may hold a password, so only the host and database are kept. */
public final class JdbcUrls {

    private JdbcUrls() {
    }

    public static String redacted(String url) {
        String shown = url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url;
        int query = shown.indexOf('?');
        shown = query < 0 ? shown : shown.substring(0, query);
        int at = shown.indexOf('@');
        int scheme = shown.indexOf("://");
        return at < 0 || scheme < 0 || at < scheme ? shown : shown.substring(0, scheme + 3) + shown.substring(at + 1);
    }
}
