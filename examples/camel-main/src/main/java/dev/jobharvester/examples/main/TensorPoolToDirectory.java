package dev.jobharvester.examples.main;

import org.apache.camel.builder.RouteBuilder;

/** Finished TensorPool jobs into a local directory: {output-dir}/tensorpool/{jobId}/{path}, then _manifest.json. */
public class TensorPoolToDirectory extends RouteBuilder {

    @Override
    public void configure() {
        from("job-outputs:tensorpool"
                + "?apiUrl={{tensorpool.api-url}}"
                + "&apiKey=RAW({{tensorpool.api-key}})"
                + "&jobIds={{tensorpool.job-ids}}")
                // The ledger of delivered files is kept per route id: keep it stable.
                .routeId("tensorpool-to-directory")
                .to("durable-file:{{output-dir}}");
    }
}
