package io.releasepilot.engine.image;

import java.time.Duration;
import java.util.List;

/**
 * What {@code buildImage} made.
 *
 * @param digestReference {@code registry/repository@sha256:…} the registry confirmed for every tag; null without push
 * @param digest          the manifest digest; null without push
 * @param imageId         the builder's local image id (null for kaniko)
 * @param tags            every tag built (and pushed)
 * @param builder         which builder built it
 * @param revision        the source revision recorded in the image's labels, or null
 */
public record BuiltImage(String digestReference, String digest, String imageId, List<ImageReference> tags, String builder,
                         Duration duration, String revision) {

    public BuiltImage {
        tags = List.copyOf(tags);
    }
}
