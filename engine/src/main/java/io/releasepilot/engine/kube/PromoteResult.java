package io.releasepilot.engine.kube;

/**
 * What a promote did.
 *
 * @param image         the image the stable Deployment runs now
 * @param previousImage the image it ran before (what a rollback restores)
 * @param changed       false when an earlier run had finished it
 * @param auditSeq      the PROMOTED record
 */
public record PromoteResult(String namespace, String deployment, String environment, String image, String release,
                            String previousImage, boolean changed, long auditSeq) {
}
