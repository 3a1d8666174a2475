package io.releasepilot.engine.kube;

import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.release.DigestResolver;
import io.releasepilot.engine.release.Lifecycle;

/**
 * Pins a deploy's image to the digest its tag points at now, before the lifecycle gate judges it:
 * {@code registry/web:1.4.2} ships as {@code registry/web:1.4.2@sha256:…} (Kubernetes pulls the
 * digest; the tag stays as the release name). In a gated environment an image that cannot be
 * pinned is refused: a tag promoted once would let any later push of that tag through.
 */
final class ImagePinning {

    private final DigestResolver resolver;
    private final Lifecycle lifecycle;
    private final ProgressListener progress;

    /** @param resolver asks the registry; null when the host has none (then tags enter only the first environment) */
    ImagePinning(DigestResolver resolver, Lifecycle lifecycle, ProgressListener progress) {
        this.resolver = resolver;
        this.lifecycle = lifecycle;
        this.progress = progress;
    }

    /** The request with its image pinned. */
    CanaryRequest pin(CanaryRequest r, String environment, String act, String label) {
        ContainerImage pinned = pin(r.image(), environment, act, label);
        return pinned.equals(r.image()) ? r : new CanaryRequest(r.namespace(), r.deployment(), pinned, r.container(), r.weight(), r.traffic(),
                r.environment(), r.service(), r.timeout(), r.hotfix(), r.reason(), r.smokeChecks(), r.strategy(), r.scaleDownDelay());
    }

    ContainerImage pin(ContainerImage image, String environment, String act, String label) {
        if (image.reference().contains("@")) {
            return image;
        }
        boolean gated = !lifecycle.first().equals(environment);
        String why;
        if (resolver == null) {
            why = "no registry lookup is configured to resolve its tag";
        } else {
            try {
                String digest = resolver.digestOf(image.reference());
                ContainerImage pinned = ContainerImage.parse("image", image.reference() + "@" + digest);
                progress.line("[%s] %s: %s resolved to %s", act, label, image.reference(), digest);
                return pinned;
            } catch (EnvironmentException | InvalidInputException e) {
                why = "its tag could not be resolved (" + e.getMessage() + ")";
            }
        }
        if (gated) {
            throw new InvalidInputException("image", image.reference(), "a digest reference registry/repository@sha256:<64 hex digits>: "
                    + environment + " is gated by digest and " + why + "; deploy by digest");
        }
        progress.line("[%s] %s: deploying the tag %s unpinned in %s, the lifecycle's first environment: %s", act, label,
                image.reference(), environment, why);
        return image;
    }
}
