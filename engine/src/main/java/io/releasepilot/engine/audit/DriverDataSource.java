package io.releasepilot.engine.audit;

import io.releasepilot.engine.EnvironmentException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Locale;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Connections from a JDBC driver the engine loads from its own class loader. Under Jenkins the
 * engine lives in a plugin's class loader while {@code DriverManager} looks drivers up through
 * the thread's context loader, which does not see the plugin's jars; naming the driver class and
 * instantiating it here works whatever thread opens the store.
 */
final class DriverDataSource implements DataSource {

    private final String jdbcUrl;
    private final Driver driver;

    private DriverDataSource(String jdbcUrl, Driver driver) {
        this.jdbcUrl = jdbcUrl;
        this.driver = driver;
    }

    /** The driver for one of the URLs {@link AuditStores#jdbcUrl} gives. */
    static DriverDataSource forUrl(String jdbcUrl, String shownUrl) {
        String lower = jdbcUrl.toLowerCase(Locale.ROOT);
        String driverClass = lower.startsWith("jdbc:postgresql:") ? "org.postgresql.Driver"
                : lower.startsWith("jdbc:sqlite:") ? "org.sqlite.JDBC"
                : lower.startsWith("jdbc:h2:") ? "org.h2.Driver"
                : null;
        if (driverClass == null) {
            throw new IllegalArgumentException("no JDBC driver is bundled for " + shownUrl);
        }
        try {
            Class<?> type = Class.forName(driverClass, true, DriverDataSource.class.getClassLoader());
            return new DriverDataSource(jdbcUrl, (Driver) type.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new EnvironmentException("the JDBC driver " + driverClass + " for " + shownUrl + " cannot be loaded: " + e, e);
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        return connect(new Properties());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        Properties properties = new Properties();
        if (username != null) {
            properties.setProperty("user", username);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        return connect(properties);
    }

    private Connection connect(Properties properties) throws SQLException {
        Connection connection = driver.connect(jdbcUrl, properties);
        if (connection == null) {
            throw new SQLException("the driver " + driver.getClass().getName() + " does not accept this URL");
        }
        return connection;
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        throw new UnsupportedOperationException("connections are logged through java.util.logging");
    }

    @Override
    public void setLoginTimeout(int seconds) {
        throw new UnsupportedOperationException("the pool's connection timeout applies");
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no parent logger");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper of " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
