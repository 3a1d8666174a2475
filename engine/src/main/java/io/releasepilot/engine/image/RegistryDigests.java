package io.releasepilot.engine.image;

import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.release.DigestResolver;
import java.time.Duration;

/** Resolves tags by asking their registry for the manifest (distribution v2 API), as {@link RegistryClient} does after a push. */
public final class RegistryDigests implements DigestResolver {

    private final RegistryClient client;
    private final RegistryCredentials credentials;

    /** @param credentials for a registry that asks for them; null for anonymous pulls */
    public RegistryDigests(Duration timeout, RegistryCredentials credentials) {
        this.client = new RegistryClient(timeout);
        this.credentials = credentials;
    }

    @Override
    public String digestOf(String image) {
        ImageReference ref;
        try {
            ref = ImageReference.parse("image", image);
        } catch (InvalidInputException notOurForm) {
            throw new EnvironmentException("cannot resolve " + image + " to a digest: " + notOurForm.getMessage(), notOurForm);
        }
        if (ref.registry() == null) {
            throw new EnvironmentException("cannot resolve " + image + " to a digest: it names no registry (write registry/repository:tag)");
        }
        return client.manifestDigest(ref, credentials);
    }
}
