package io.releasepilot.engine.alert;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Cuts a watch's wait between observations short: a pushed alert (the Alertmanager webhook)
 * asks every watch listening here for an observation now. One Wakeup may be shared by a
 * receiver and several watches.
 */
public final class Wakeup {

    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    /** Asks each listening watch for an observation at once (on its scheduler, not on this thread). */
    public void wake() {
        for (Runnable listener : listeners) {
            listener.run();
        }
    }

    /** Listens until the returned registration is closed. */
    Registration listen(Runnable listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** A listener's place, given up when closed. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
