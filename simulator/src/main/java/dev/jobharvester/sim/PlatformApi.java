package dev.jobharvester.sim;

/** What every simulated platform has: its name and the one API key it accepts. */
abstract class PlatformApi implements SimulatedApi {

    private final String name;
    private final String apiKey;

    PlatformApi(String name, String apiKey) {
        this.name = name;
        this.apiKey = apiKey;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String apiKey() {
        return apiKey;
    }
}
