package dev.jobharvester.examples.main;

import org.apache.camel.main.Main;

/** A Camel Main application with one pipeline; settings in application.properties, secrets from the environment. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        main.configure().addRoutesBuilder(new TensorPoolToDirectory());
        main.run(args);
    }
}
