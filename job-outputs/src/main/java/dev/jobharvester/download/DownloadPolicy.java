package dev.jobharvester.download;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which locations files may be fetched from: https only unless http is allowed, and only hosts on the list
 * ({@code *.example.com} takes any subdomain). A host that resolves to a loopback, private, link-local or cloud
 * metadata address is refused, even when a pattern matches it, unless it is listed by its exact name or address:
 * a platform's answer must not be able to point the harvester at the machine it runs on or its network.
 */
public final class DownloadPolicy {

    private final Set<String> hosts;
    private final boolean allowHttp;

    public DownloadPolicy(Set<String> hosts, boolean allowHttp) {
        Set<String> lower = new LinkedHashSet<>();
        hosts.forEach(h -> lower.add(h.trim().toLowerCase(Locale.ROOT)));
        this.hosts = lower;
        this.allowHttp = allowHttp;
    }

    /** Why the location may not be fetched, or null when it may. */
    public String refusal(URI location) {
        String scheme = location.getScheme() == null ? "" : location.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
            return "the scheme '" + scheme + "' is not allowed" + (scheme.equals("http") ? " (allowHttp is off)" : "");
        }
        String host = location.getHost() == null ? "" : location.getHost().toLowerCase(Locale.ROOT);
        boolean listedExactly = hosts.contains(host);
        if (!listedExactly && hosts.stream().noneMatch(p -> p.equals("*") || p.startsWith("*.") && host.endsWith(p.substring(1)))) {
            return "the host '" + host + "' is not among the allowed hosts " + hosts;
        }
        if (!listedExactly) {
            try {
                for (InetAddress address : InetAddress.getAllByName(host)) {
                    if (isInternal(address)) {
                        return "the host '" + host + "' is an internal address (" + address.getHostAddress()
                                + "); list it exactly in allowedHosts to allow it";
                    }
                }
            } catch (UnknownHostException e) {
                return null;
            }
        }
        return null;
    }

    private static boolean isInternal(InetAddress address) {
        byte[] raw = address.getAddress();
        boolean uniqueLocalV6 = address instanceof Inet6Address && (raw[0] & 0xfe) == 0xfc;
        return address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress() || uniqueLocalV6;
    }
}
