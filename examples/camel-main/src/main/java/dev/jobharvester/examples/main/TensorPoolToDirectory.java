import org.apache.camel.builder.RouteBuilder;

/**
 * The pipeline of tensorpool-to-directory.yaml, in Java. Compiled at start when it sits in routes/, or compile it
 * into your own jar. Switched on by routes.tensorpool-to-directory-java.enabled.
 */
public class TensorpoolToDirectory extends RouteBuilder {

    @Override
    public void configure() {
        from("job-outputs:tensorpool"
                + "?apiUrl={{tensorpool.api-url}}"
                + "&apiKey=RAW({{tensorpool.api-key}})"
                + "&jobIds={{tensorpool.job-ids}}"
                + "&harvestStates={{tensorpool.harvest-states}}"
                + "&inbox={{tensorpool.inbox}}")
                .routeId("tensorpool-to-directory-java")
                .autoStartup("{{routes.tensorpool-to-directory-java.enabled}}")
                .to("durable-file:{{harvester.output-dir}}");
    }
}
