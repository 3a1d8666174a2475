package io.releasepilot.engine.kube;

/**
 * What a rollback did.
 *
 * @param namespace     where
 * @param deployment    the stable Deployment
 * @param restoredImage the image the stable Deployment runs now
 * @param release       that image's release name
 * @param rolledBack    the image taken out of service (the canary's, or the promoted one)
 * @param canaryRemoved whether a canary Deployment was removed
 * @param changed       false when there was nothing left to do (an earlier run finished it)
 * @param auditSeq      the ROLLED_BACK record's sequence number
 */
public record RollbackResult(String namespace, String deployment, String restoredImage, String release, String rolledBack,
                             boolean canaryRemoved, boolean changed, long auditSeq) {
}
