package io.jenkins.plugins.releasepilot;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * One Kubernetes client per cluster login, shared by every act that uses it. A fabric8 client
 * carries its own HTTP client, selector and executor threads: made per step, a hundred waiting
 * canaries held some six hundred threads (docs/performance.md). Acts lease a client and give it
 * back when they end; the last one out closes it. Keys are SHA-256 fingerprints of the login,
 * so no secret is kept in clear beside the client.
 */
final class SharedClients {

    private static final Map<String, Entry> CLIENTS = new HashMap<>();

    private SharedClients() {
    }

    private static final class Entry {
        final KubernetesClient client;
        int users;

        Entry(KubernetesClient client) {
            this.client = client;
        }
    }

    /** A client for {@code config}, shared with every other act whose login has the same fingerprint. */
    static synchronized Lease acquire(String fingerprint, Config config) {
        Entry entry = CLIENTS.computeIfAbsent(fingerprint,
                k -> new Entry(new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory()).build()));
        entry.users++;
        return new Lease(fingerprint, entry.client);
    }

    private static synchronized void release(String fingerprint) {
        Entry entry = CLIENTS.get(fingerprint);
        if (entry != null && --entry.users == 0) {
            CLIENTS.remove(fingerprint);
            entry.client.close();
        }
    }

    /** One act's use of a shared client; closing it gives the client back. */
    static final class Lease implements AutoCloseable {
        private final String fingerprint;
        private final KubernetesClient client;
        private boolean closed;

        private Lease(String fingerprint, KubernetesClient client) {
            this.fingerprint = fingerprint;
            this.client = client;
        }

        KubernetesClient client() {
            return client;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                release(fingerprint);
            }
        }
    }
}
