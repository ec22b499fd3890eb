package dev.jobharvester.app;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

/** Finds the harvesting consumer's MBean, as an operator's JMX console would. */
final class HarvesterMBeans {

    private HarvesterMBeans() {
    }

    /** The consumer MBean of the route: Camel names consumers with an identity hash, so query and match RouteId. */
    static ObjectName consumer(MBeanServerConnection jmx, String routeId) throws Exception {
        for (ObjectName name : jmx.queryNames(new ObjectName("org.apache.camel:context=job-harvester,type=consumers,*"),
                null)) {
            if (routeId.equals(jmx.getAttribute(name, "RouteId"))) {
                return name;
            }
        }
        throw new AssertionError("no consumer MBean for the route " + routeId);
    }
}
