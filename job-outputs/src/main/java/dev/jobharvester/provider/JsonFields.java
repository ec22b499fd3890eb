package dev.jobharvester.provider;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads required fields out of a platform's JSON, naming the provider, job and field when one is missing. */
public final class JsonFields {

    private JsonFields() {
    }

    public static JsonNode object(JsonNode parent, String field, String provider, String jobId) throws ProviderException {
        JsonNode node = parent.get(field);
        if (node == null || !node.isObject()) {
            throw new ProviderException(provider, jobId, "field '" + field + "' is missing or not an object");
        }
        return node;
    }

    public static String text(JsonNode parent, String field, String provider, String jobId) throws ProviderException {
        JsonNode node = parent.get(field);
        if (node == null || !node.isTextual() || node.asText().isEmpty()) {
            throw new ProviderException(provider, jobId, "field '" + field + "' is missing or not a string");
        }
        return node.asText();
    }

    /** The first of the given fields that holds a non-empty string, or null. */
    public static String firstText(JsonNode parent, String... fields) {
        for (String field : fields) {
            JsonNode node = parent.get(field);
            if (node != null && node.isTextual() && !node.asText().isBlank()) {
                return node.asText();
            }
        }
        return null;
    }
}
