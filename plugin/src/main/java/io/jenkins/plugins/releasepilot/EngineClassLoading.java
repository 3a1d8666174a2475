package io.jenkins.plugins.releasepilot;

import java.util.function.Function;

/**
 * Runs engine code that finds its parts through the thread's context class loader (Flyway's
 * database support and migrations, JDBC drivers) with this plugin's class loader in place: on a
 * Jenkins thread the context loader is core's, which cannot see the libraries bundled here.
 */
final class EngineClassLoading {

    private static final String[] JDBC_DRIVERS = {"org.sqlite.JDBC", "org.postgresql.Driver"};

    private EngineClassLoading() {
    }

    static <T, R> R call(Function<T, R> action, T argument) {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        ClassLoader plugin = EngineClassLoading.class.getClassLoader();
        thread.setContextClassLoader(plugin);
        try {
            registerDrivers(plugin);
            return action.apply(argument);
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    /** JDBC's automatic driver loading only searches the system class loader: load the bundled drivers so they register. */
    private static void registerDrivers(ClassLoader plugin) {
        for (String driver : JDBC_DRIVERS) {
            try {
                Class.forName(driver, true, plugin);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the plugin is missing its bundled JDBC driver " + driver, e);
            }
        }
    }
}
