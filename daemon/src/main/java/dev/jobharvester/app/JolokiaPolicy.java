package dev.jobharvester.app;

import java.io.InputStream;
import org.apache.camel.component.platform.http.plugin.DefaultJolokiaPlatformHttpPlugin;
import org.apache.camel.main.Main;

/**
 * What Jolokia on the management port may do: read-only (jolokia-access.xml) unless harvester.jolokia-operations is
 * true (jolokia-access-operations.xml, which adds exec). Camel's Jolokia plugin reads its policy from one fixed name,
 * classpath:/jolokia-access.xml, through the thread's context class loader when it is made: so the plugin that allows
 * operations is made here, with that name answering the other policy, and bound where Camel looks for it first.
 */
final class JolokiaPolicy {

    static final String OPERATIONS = "harvester.jolokia-operations";
    private static final String POLICY = "jolokia-access.xml";
    private static final String WITH_OPERATIONS = "jolokia-access-operations.xml";

    private JolokiaPolicy() {
    }

    static void apply(Main main, boolean operations) {
        if (!operations) {
            return;
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(new ClassLoader(previous) {
            @Override
            public InputStream getResourceAsStream(String name) {
                boolean policy = name.equals(POLICY) || name.equals("/" + POLICY);
                return super.getResourceAsStream(policy ? WITH_OPERATIONS : name);
            }
        });
        try {
            main.bind("jolokia", new DefaultJolokiaPlatformHttpPlugin());
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
