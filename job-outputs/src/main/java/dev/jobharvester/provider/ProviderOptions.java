package dev.jobharvester.provider;

/**
 * What a route tells a platform's adapter: where its API is and how to ask it, and the options only some platforms
 * read.
 *
 * @param apiUrl     the API base URL, or empty for the platform's public API
 * @param apiRetries how often a failed API call is sent again
 * @param workflowId Pixxel: the workflow the jobs live under
 * @param pageSize   Archetype AI: outputs asked for per page
 * @param portName   Archetype AI: only outputs of this port, or empty
 * @param inputId    Archetype AI: only outputs of this input, or empty
 */
public record ProviderOptions(String provider, String apiUrl, String apiKey, int apiRetries, String workflowId,
        int pageSize, String portName, String inputId) {

    @Override
    public String toString() {
        // The key stays out of every message.
        return "ProviderOptions[" + provider + ", " + apiUrl + "]";
    }
}
