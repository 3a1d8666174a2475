package io.releasepilot.engine.act;

import java.util.Optional;

/**
 * Small durable state per run of an act whose progress is not on the cluster (rollbackOnAlert's
 * window start and failure counts, an RDS snapshot wait), so a resumed act continues where it
 * was. Kept beside the audit trail, outside its hash chain; never holds a secret.
 */
public interface ActStateStore {

    /** The state last saved for a run, as the JSON text it was saved as. */
    Optional<String> load(RunId run);

    /** Saves a run's state, replacing what was there, durably before it returns. */
    void save(RunId run, String json);

    /** Forgets a run that has ended. */
    void remove(RunId run);
}
