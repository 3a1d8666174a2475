package io.releasepilot.engine.release;

/**
 * Says which digest a tag points at now, so a deploy ships, and the lifecycle gate judges, one
 * immutable image instead of a name anyone can push again.
 */
@FunctionalInterface
public interface DigestResolver {

    /**
     * @param image a reference with a tag and no digest, e.g. {@code registry.example.com/shop/web:1.4.2}
     * @return the digest it resolves to, {@code sha256:<64 hex digits>}
     * @throws io.releasepilot.engine.EnvironmentException when the registry cannot be asked or does not know the tag
     */
    String digestOf(String image);
}
